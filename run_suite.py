#!/usr/bin/env python3
"""wsconform: build, start the servers under test, run the cases, report, test.

    python3 run_suite.py [--target URL] [--out DIR] [options]   test a server
    python3 run_suite.py --spec fuzzingclient.json [--out DIR]   run an Autobahn spec's servers
    python3 run_suite.py --spec fuzzingserver.json [--out DIR]   serve Autobahn's client protocol
    python3 run_suite.py clients [--command 'CMD {url}']          test a client (we are the server)
    python3 run_suite.py report | diff | test | fuzz | fuzz-live  (--help lists them all)

The work is done by the orchestration package (orchestration/, one module per concern) and
fuzzing/. Standard library only.
"""

import sys

from orchestration.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
