/** The inspector page's own style sheet (the drawings add theirs: see drawings.ts). */
export const pageStyle = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
header { display: flex; gap: 16px; align-items: center; padding: 8px 16px; background: #1d2430; color: #fff; }
header h1 { font-size: 15px; margin: 0; font-weight: 600; }
header .status { margin-left: auto; font-size: 12px; opacity: .85; }
nav { display: flex; gap: 4px; padding: 8px 16px 0; flex-wrap: wrap; }
nav button { border: 1px solid #c9ced6; background: #fff; border-radius: 4px 4px 0 0; padding: 4px 10px; cursor: pointer; }
nav button.selected { background: #2b6cb0; color: #fff; border-color: #2b6cb0; }
main { display: grid; grid-template-columns: minmax(360px, 1fr) minmax(420px, 1.3fr); gap: 12px; padding: 12px 16px; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 10px 12px; min-width: 0; }
section h2 { font-size: 13px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: #566174; }
.path { font-family: ui-monospace, monospace; font-size: 12px; margin-bottom: 8px; color: #38455a; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
td.method { font-family: ui-monospace, monospace; }
.bar { display: inline-block; width: 80px; height: 8px; background: #e5e8ed; border-radius: 4px; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: #2b6cb0; border-radius: 4px; }
.outcome-succeeded, .outcome-responded { color: #1f7a3a; }
.outcome-failed, .outcome-timedOut, .outcome-cancelled, .outcome-closed { color: #b42318; }
.log-tools { display: flex; gap: 8px; margin-bottom: 6px; align-items: center; }
.log-tools input { flex: 1; padding: 3px 6px; }
.log-tools button { padding: 2px 8px; cursor: pointer; }
.log { height: calc(100vh - 190px); min-height: 240px; overflow: auto; overflow-anchor: none; overscroll-behavior: contain; font-family: ui-monospace, monospace; font-size: 12px; }
.log-entry { padding: 2px 4px; border-bottom: 1px solid #f0f1f4; cursor: pointer; }
.log-entry .dir { display: inline-block; width: 18px; font-weight: 700; }
.log-entry.in .dir { color: #1f7a3a; } .log-entry.out .dir { color: #2b6cb0; } .log-entry.exception { color: #b42318; } .log-entry.diagnostic { color: #8a5a00; }
.log-entry pre { margin: 4px 0 4px 18px; white-space: pre-wrap; word-break: break-all; background: #f6f7f9; padding: 4px; cursor: text; }
.notice { color: #b42318; font-size: 12px; }
.empty { color: #8a93a3; font-style: italic; }
.facts { margin-bottom: 8px; }
.facts th { color: #566174; font-weight: 500; width: 1%; }
.facts td { font-family: ui-monospace, monospace; white-space: normal; word-break: break-all; }
.facts td.error { color: #b42318; }
`;
