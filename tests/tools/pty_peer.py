#!/usr/bin/env python3
"""pty_peer.py MODE LINK LOG — a pty at LINK (a symlink) whose other end
is silent (reads, answers nothing), echoes everything back (RX/TX
bridged), or answers every read with noise.  Every byte received is
appended to LOG, so a test can tell whether anybody wrote to the port."""
import os
import pty
import select
import sys
import tty

mode, link, log = sys.argv[1], sys.argv[2], sys.argv[3]
master, slave = pty.openpty()
tty.setraw(slave)
open(log, "wb").close()
os.symlink(os.ttyname(slave), link)
while True:
    select.select([master], [], [])
    try:
        data = os.read(master, 4096)
    except OSError:
        continue
    with open(log, "ab") as f:
        f.write(data)
    if mode == "echo":
        os.write(master, data)
    elif mode == "noise":
        os.write(master, b"\xfe\x80\x13\x00garbage\xff\r\n")
