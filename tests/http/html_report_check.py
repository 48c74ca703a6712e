# ctest: execution-node --html-report on the default simulation writes one self-contained page
# (rendered offline in headless chromium when it is installed; screenshot under build/test-artifacts).
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    src, build = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="engine-html-report-")
    try:
        with open(os.path.join(src, "config", "app_config.yaml")) as f:
            cfg = f.read().replace("dir: logs/execution", "dir: " + os.path.join(tmp, "journal"), 1)
        path = os.path.join(tmp, "config.yaml")
        with open(path, "w") as f:
            f.write(cfg)
        html = os.path.join(tmp, "report.html")
        report = os.path.join(tmp, "report.json")
        r = subprocess.run([os.path.join(build, "nodes", "execution-node"), "--config", path,
                            "--log-level", "warn", "--duration", "60", "--html-report", html,
                            "--report", report], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            return 1
        page = open(html).read()
        checks = {
            "a single HTML page": page.startswith("<!doctype html>"),
            "no script or style from elsewhere": "src=\"http" not in page and "href=\"http" not in page,
            "the data is inlined": '"equity":[[' in page,
            "P&L by strategy": "P&amp;L by strategy" in page and "rebalance" in page,
            "rejects by reason": "Rejects by reason" in page,
            "config summary": "market data: synthetic" in page,
        }
        modules = os.path.join(src, "deploy", "web", "node_modules")
        if os.path.isdir(os.path.join(modules, "lightweight-charts")):
            checks["the charts library is inlined"] = "LightweightCharts" in page
        doc = json.load(open(report))
        for ticker, p in doc["positions"].items():
            if p["quantity"] == "0":
                checks["flat %s keeps its realized P&L" % ticker] = "realized_pnl" in p
        failures = [k for k, ok in checks.items() if not ok]
        for k, ok in checks.items():
            print(("ok   " if ok else "FAIL ") + k)
        chromium = shutil.which("chromium")
        node = shutil.which("node")
        if chromium and node and os.path.isdir(os.path.join(modules, "puppeteer-core")):
            out = os.path.join(build, "test-artifacts", "html-report")
            os.makedirs(out, exist_ok=True)
            shutil.copy(html, os.path.join(out, "report.html"))
            b = subprocess.run([node, os.path.join(src, "tests", "http", "html_report_check.js"), html,
                                os.path.join(out, "report.png"), chromium],
                               env=dict(os.environ, NODE_PATH=modules), timeout=90)
            if b.returncode != 0:
                failures.append("renders offline")
        else:
            print("chromium or puppeteer-core absent: the offline rendering is not checked")
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
