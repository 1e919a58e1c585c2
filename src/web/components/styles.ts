/** Page styles shared by the report and the dashboard; works on a phone-width screen. */
export const BASE_CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2933;background:#f5f7fa}
header{padding:12px 16px;background:#102a43;color:#fff}header h1{margin:0;font-size:18px}header p{margin:2px 0 0;opacity:.8;font-size:12px}
main{padding:12px 16px;max-width:1400px;margin:0 auto}section{background:#fff;border-radius:8px;padding:12px;margin:0 0 12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:16px;margin:0 0 8px}h3{font-size:14px;margin:0 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:8px}.card{background:#f0f4f8;border-radius:6px;padding:8px}
.card .label{font-size:11px;color:#52606d;text-transform:uppercase}.card .value{font-size:18px;font-weight:600}
.pos{color:#00796b}.neg{color:#c62828}.num{text-align:right;font-variant-numeric:tabular-nums}
.chart{height:420px;width:100%}.chart.small{height:260px}
table{border-collapse:collapse;width:100%}th,td{padding:4px 6px;border-bottom:1px solid #e4e7eb;text-align:left}th{font-size:12px;color:#52606d}
details.trade{border-bottom:1px solid #e4e7eb}details.trade summary{cursor:pointer;padding:6px 0;display:flex;flex-wrap:wrap;gap:10px}
details.trade table{margin:4px 0 4px 16px;width:calc(100% - 16px)}.moves{margin:4px 0 8px 16px;font-size:12px;color:#52606d}
.side{font-weight:700;font-size:11px;padding:1px 6px;border-radius:4px;color:#fff}.side.long{background:#26a69a}.side.short{background:#ef5350}
.sym{font-weight:600}select{font:inherit;padding:4px}.footer{font-size:11px;color:#7b8794;text-align:center;padding:8px}
@media (max-width:600px){main{padding:8px}.chart{height:300px}details.trade summary{gap:6px;font-size:12px}}
`;

/** The dashboard's own pieces: tabs, connection pill, position cards with the ladder progress bar. */
export const DASHBOARD_CSS = `
header.dash{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px}header.dash h1{flex:1 1 auto}
.conn{font-size:12px;font-weight:600;padding:3px 10px;border-radius:12px;background:#52606d;color:#fff;white-space:nowrap}
.conn.live{background:#00897b}.conn.reconnecting{background:#f0a202;color:#102a43}.conn.down{background:#c62828}.conn.ended{background:#7b8794}
.run-line{font-size:12px;opacity:.9}.run .kv div b{font-weight:600;overflow-wrap:anywhere}
.tz{font-size:11px;opacity:.8}
nav.tabs{display:flex;gap:4px;padding:0 16px;background:#102a43;overflow-x:auto}
nav.tabs button{font:inherit;color:#d9e2ec;background:none;border:0;border-bottom:3px solid transparent;padding:8px 12px;cursor:pointer}
nav.tabs button[aria-selected=true]{color:#fff;border-bottom-color:#2bb0ed;font-weight:600}
.positions{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,420px),1fr));gap:12px}
article.position{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px rgba(0,0,0,.08);min-width:0}
article.position .head{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;margin-bottom:8px}
article.position .head .sym{font-size:16px}.muted{color:#7b8794;font-size:12px}
.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:6px 12px;margin:8px 0}
.kv div>span{display:block;font-size:11px;color:#52606d;text-transform:uppercase}.kv div b{font-variant-numeric:tabular-nums}
.ladder{display:flex;gap:3px;margin:8px 0}.ladder .level{flex:1 1 0;min-width:0;border-radius:4px;background:#e4e7eb;padding:4px 6px;font-size:12px;position:relative;overflow:hidden}
.ladder .level .bar{position:absolute;left:0;top:0;bottom:0;background:#b2dfdb;z-index:0}.ladder .level>*:not(.bar){position:relative;z-index:1}
.ladder .level.hit{background:#26a69a;color:#fff}.ladder .level.next{outline:2px solid #2bb0ed}.ladder .level.skipped{background:#f5f7fa;color:#9aa5b1;text-decoration:line-through}
.ladder .level .name{font-weight:700}.ladder .level .check{font-weight:700;margin-left:4px}.ladder .level .px{display:block;font-variant-numeric:tabular-nums;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin-bottom:8px}.filters label{font-size:12px;color:#52606d;display:flex;flex-direction:column}
.filters input,.filters select,.filters button{font:inherit;padding:4px}
.scroll{overflow-x:auto}.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,320px),1fr));gap:12px}
.level-pnl{font-size:12px;color:#52606d}.badge{font-size:11px;padding:1px 6px;border-radius:4px;background:#2bb0ed;color:#fff}
.empty{color:#7b8794}table.levels th:not(:first-child),table.compare th:nth-child(n+4){text-align:right}
[hidden]{display:none!important}
article.position .chart{position:relative}.line-tags{position:absolute;left:0;top:0;z-index:3;pointer-events:none}
.line-tag{position:absolute;left:4px;transform:translateY(-50%);font-size:11px;line-height:14px;padding:0 4px;border-radius:3px;background:rgba(255,255,255,.85);white-space:nowrap}
.line-tag.tp{color:#00695c;border:1px solid #00897b}.line-tag.entry{color:#1e40af;border:1px solid #2962ff}.line-tag.stop{color:#fff;background:#d32f2f}
.history-bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:8px}
a.button{display:inline-block;padding:4px 10px;border-radius:4px;background:#2962ff;color:#fff;text-decoration:none;font-size:13px}
.pager{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:8px}.pager button{font:inherit;padding:4px 8px}.pager .page{font-size:13px;color:#52606d}
.risk.hit{color:#c62828;font-weight:600}
@media (max-width:600px){nav.tabs{padding:0 4px}article.position{padding:8px}.kv{grid-template-columns:repeat(2,minmax(0,1fr))}}
`;
