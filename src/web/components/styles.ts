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
