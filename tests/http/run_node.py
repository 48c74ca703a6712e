# Starts execution-node on the default simulation with an http section, for the tests that drive it from outside.
import os
import re
import subprocess
import tempfile
import urllib.request

TOKEN = "node-test-token-51c9"


def start_node(src, build, speed="30", extra_yaml="", args=()):
    """Returns (process, base_url, tmpdir); the node runs until stop_node."""
    tmp = tempfile.mkdtemp(prefix="engine-http-node-")
    with open(os.path.join(src, "config", "app_config.yaml")) as f:
        cfg = f.read()
    cfg = cfg.replace("dir: logs/execution", "dir: " + os.path.join(tmp, "journal"), 1)
    cfg = re.sub(r"\n  speed: 0 ", "\n  speed: " + speed + " ", cfg, count=1)
    cfg += "\nhttp:\n  listen: 127.0.0.1:0\n  token: ${EXEC_HTTP_TOKEN}\n" + extra_yaml
    path = os.path.join(tmp, "config.yaml")
    with open(path, "w") as f:
        f.write(cfg)
    env = dict(os.environ, EXEC_HTTP_TOKEN=TOKEN)
    proc = subprocess.Popen(
        [os.path.join(build, "nodes", "execution-node"), "--config", path, "--log-level", "warn"]
        + list(args),
        stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "stderr.txt"), "w"), text=True, env=env)
    for line in proc.stdout:
        m = re.search(r"\[http\] listening on ([0-9.]+):(\d+)", line)
        if m:
            return proc, "http://%s:%s" % (m.group(1), m.group(2)), tmp
    raise RuntimeError("the node exited before its HTTP API listened: " +
                       open(os.path.join(tmp, "stderr.txt")).read())


def stop_node(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def get(base, path, token=TOKEN):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()
