# ctest: execctl against a running node (default simulation at 30x): text, --json and exit codes.
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_node  # noqa: E402

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def main():
    src, build = sys.argv[1], sys.argv[2]
    execctl = os.path.join(build, "nodes", "execctl")
    proc, base, tmp = run_node.start_node(src, build)

    def run(*args, token=run_node.TOKEN, node=base):
        env = dict(os.environ, EXECCTL_TOKEN=token)
        r = subprocess.run([execctl, "--node", node] + list(args), capture_output=True,
                           text=True, env=env, timeout=60)
        return r.returncode, r.stdout, r.stderr

    try:
        code, out, _ = run("status")
        check(code == 0 and out.startswith("orders ") and "trading state active" in out,
              "status prints the status line: " + out.strip())
        code, out, _ = run("--json", "status")
        doc = json.loads(out)
        check(code == 0 and "equity" in doc["account"], "status --json is the API's JSON")

        code, out, _ = run("watch", "--count", "3")
        check(code == 0 and len(out.strip().splitlines()) == 3, "watch --count 3 prints 3 events")
        code, out, _ = run("--json", "watch", "--count", "2")
        events = [json.loads(line) for line in out.strip().splitlines()]
        check(code == 0 and len(events) == 2 and all("event" in e for e in events),
              "watch --json prints one JSON object per event")

        code, out, _ = run("positions")
        check(code == 0 and out.startswith("TICKER"), "positions prints a table")
        code, out, _ = run("--json", "positions")
        check(code == 0 and isinstance(json.loads(out), list), "positions --json is a list")
        code, out, _ = run("orders", "--all", "--limit", "5")
        check(code == 0 and out.startswith("ID"), "orders --all prints a table")
        code, out, _ = run("--json", "fills", "--since", "0")
        check(code == 0 and isinstance(json.loads(out), list), "fills --json is a list")

        code, out, _ = run("halt", "--reason", "execctl test")
        check(code == 0 and "halted" in out, "halt")
        req = urllib.request.Request(
            base + "/orders", method="POST",
            data=b'{"ticker":"AAPL","side":"buy","quantity":"1"}',
            headers={"Authorization": "Bearer " + run_node.TOKEN})
        try:
            urllib.request.urlopen(req, timeout=10)
            rejected = ""
        except urllib.error.HTTPError as e:
            rejected = e.read().decode()
        check("trading_halted" in rejected, "after halt the next order is rejected trading_halted")
        code, out, _ = run("reduce")
        check(code == 0, "reduce")
        code, out, _ = run("resume")
        check(code == 0 and "active" in out, "resume")
        status = json.loads(run("--json", "status")[1])
        check(status["trading_state"] == "active", "the node trades again")

        code, out, _ = run("cancel", "O-does-not-exist")
        check(code == 4, "cancel of an unknown order exits 4 (refused), got %d" % code)
        code, out, _ = run("cancel-all")
        check(code == 0 and "cancel requested for" in out, "cancel-all")
        code, _, err = run("status", token="wrong")
        check(code == 3, "a wrong token exits 3, got %d" % code)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
        s.close()
        code, _, err = run("status", node="http://127.0.0.1:%d" % free)
        check(code == 2, "an unreachable node exits 2, got %d" % code)
        code, _, _ = run("status", node="https://127.0.0.1:1")
        check(code == 1, "a URL it cannot use exits 1")
    finally:
        run_node.stop_node(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
