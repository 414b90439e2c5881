"""Runs a command in a pseudo-terminal, typing each answer once its prompt has appeared.

usage: python3 pty-run.py '[["<regex>", "<answer>"], ...]' command args...
Prints everything the terminal showed on stdout and exits with the command's exit code (124 if it stalls 30 s).
"""
import json
import os
import pty
import re
import select
import sys

answers = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

out = b""
searched_from = 0
stalled = False
while True:
    ready, _, _ = select.select([fd], [], [], 30)
    if not ready:
        stalled = True
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    while answers:
        match = re.search(answers[0][0].encode(), out[searched_from:])
        if not match:
            break
        searched_from += match.end()
        os.write(fd, answers.pop(0)[1].encode())

if stalled:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(124 if stalled else os.waitstatus_to_exitcode(status))
