# ctest: the dashboard in headless chromium (puppeteer-core) against a node on the default simulation;
# screenshots go to <build>/test-artifacts/dashboard. Exit 77 when chromium, node or the npm packages are absent.
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_node  # noqa: E402


def main():
    src, build = sys.argv[1], sys.argv[2]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    node = shutil.which("node") or shutil.which("nodejs")
    modules = os.path.join(src, "deploy", "web", "node_modules")
    if not chromium or not node or not os.path.isdir(os.path.join(modules, "puppeteer-core")) \
            or not os.path.isdir(os.path.join(modules, "lightweight-charts")):
        print("chromium, node or deploy/web/node_modules missing (deploy/install-deps.sh): skipped")
        return 77
    out = os.path.join(build, "test-artifacts", "dashboard")
    os.makedirs(out, exist_ok=True)
    proc, base, tmp = run_node.start_node(src, build)
    try:
        env = dict(os.environ, NODE_PATH=modules)
        r = subprocess.run([node, os.path.join(src, "tests", "http", "dashboard_test.js"), base,
                            run_node.TOKEN, out, chromium], env=env, timeout=150)
    finally:
        run_node.stop_node(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    print("screenshots in " + out)
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
