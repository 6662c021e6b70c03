"""The abi3 wheel on the oldest CPython it promises (3.9), run by
scripts/test when one is installed: no pytest there, only the package.
Every golden case decided with decide_json equals the CLI's bytes, decide
agrees, and decide_many gives the same results in order."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pdao

root = Path(os.environ.get("PDAO_ROOT", Path(__file__).resolve().parents[3]))
cli = os.environ["PDAO_CLI"]
engine = pdao.Engine()
cases = sorted(root.glob("policies/*/cases/*.json"))
passed = failed = 0
requests = []
for path in cases:
    request = json.loads(path.read_text(encoding="utf-8"))["request"]
    requests.append(request)
    text = json.dumps(request, indent=2, ensure_ascii=False)
    native = subprocess.run([cli, "decide", "-"], input=text.encode(), capture_output=True)
    ok = (engine.decide_json(text) + "\n").encode() == native.stdout
    ok = ok and engine.decide(request) == json.loads(native.stdout)
    passed += ok
    failed += not ok
    if not ok:
        print(f"FAIL {path.relative_to(root)}", file=sys.stderr)
many = engine.decide_many(requests + [{"jurisdiction": "zhousan"}], threads=2)
ok = many[:-1] == [engine.decide(r) for r in requests] and isinstance(many[-1], pdao.RequestError)
passed += ok
failed += not ok
print(f"abi3 on Python {sys.version.split()[0]}: {passed} passed, {failed} failed")
sys.exit(1 if failed or passed < 400 else 0)
