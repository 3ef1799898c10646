#!/usr/bin/env python3
"""Writes the compatibility fixture in tests/fixtures/compat/ with a given trivsel binary.

    python3 scripts/make-compat-fixture.py --binary /tmp/trivsel-old

Starts the binary on a free port of 127.0.0.1 over an empty temporary data directory and runs,
through the real HTTP API and WebSocket protocol, a few realistic meetings of several
programmes and one three-meeting series: every step kind, participants answering every prompt
kind, shares, dealt cards, grid ratings and dots, map actors, plan rows, reveals, a personal
plan the leader shares, a participant who deletes their answers. It stops the server with
SIGTERM, makes sure the database needs no -wal or -shm file, and copies it to
tests/fixtures/compat/data/trivsel.sqlite3. Then it starts the same binary again over a copy of
that database and saves, under tests/fixtures/compat/exports/, every export of every session
and of the series, downloaded twice to find out what is not deterministic; the parts that
differ are listed at the end (tests/integration/compat.rs normalises exactly those).
tests/fixtures/compat/manifest.json names every session, its credentials and its downloads.

It speaks the protocol of the binary that wrote the fixture (that of commit 91a6ba8) and needs
only Python 3 and the `websockets` package, which it installs into a virtual environment under
target/ when it is missing.
"""

import argparse
import asyncio
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "compat-venv"

try:
    import websockets
    from websockets.asyncio.client import connect
except ImportError:
    if os.environ.get("TRIVSEL_COMPAT_VENV"):
        raise
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "--quiet", "websockets>=14,<16"], check=True
    )
    os.environ["TRIVSEL_COMPAT_VENV"] = "1"
    os.execv(str(VENV / "bin" / "python"), [str(VENV / "bin" / "python"), *sys.argv])

# Join links in the fixture do not depend on the port the generator happened to use.
PUBLIC_URL = "https://trivsel.example.dk"
# What the invitations are downloaded for.
INVITATION_START = "2027-01-12T09:00"
WAIT = 15.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The binary as a child process on a free port over `data`."""

    def __init__(self, binary, data, log):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.addr = f"127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [binary, "--addr", self.addr, "--data", str(data), "--public-url", PUBLIC_URL],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "RUST_LOG": "trivsel=info"},
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited: {self.process.returncode}")
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("the server did not come up")

    def request(self, method, path, body=None, bearer=None):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    def get(self, path, bearer=None):
        return self.request("GET", path, bearer=bearer)

    def post(self, path, body):
        status, reply, _ = self.request("POST", path, body)
        assert status == 201, (path, status, reply)
        return json.loads(reply)

    def stop(self):
        """SIGTERM, the way a service manager stops it; waits for it to exit."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise SystemExit("the server did not stop on SIGTERM")
        assert code == 0, f"the server exited with {code} on SIGTERM"


class Client:
    """One screen: a WebSocket that records every message it receives."""

    def __init__(self, server, code, label):
        self.server, self.code, self.label = server, code, label
        self.frames = []
        self.changed = asyncio.Event()
        self.next_op = 0
        self.me = None

    async def open(self, hello):
        self.ws = await connect(f"ws://{self.server.addr}/api/sessions/{self.code}/ws")
        self.reader = asyncio.create_task(self.read())
        await self.send(hello)
        snapshot = await self.until(lambda m: m["type"] in ("snapshot", "error"))
        assert snapshot["type"] == "snapshot", (self.label, snapshot)
        self.me = snapshot.get("me")
        return self

    async def read(self):
        try:
            async for text in self.ws:
                self.frames.append(json.loads(text))
                self.changed.set()
        except websockets.ConnectionClosed:
            pass
        self.changed.set()

    async def send(self, message):
        await self.ws.send(json.dumps(message, ensure_ascii=False))

    async def until(self, pred, since=0, what="a message"):
        """The first message from index `since` on for which `pred` holds."""
        deadline = time.monotonic() + WAIT
        while True:
            for frame in self.frames[since:]:
                if pred(frame):
                    return frame
            since = len(self.frames)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.label}: no {what}; last {self.frames[-1:]}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def ok(self, message):
        """Sends an operation and waits for its ack (again after a moment when rate limited)."""
        self.next_op += 1
        op = f"{self.label}-{self.next_op}"
        message = {**message, "op": op}
        while True:
            since = len(self.frames)
            await self.send(message)
            reply = await self.until(
                lambda m: m.get("op") == op and m["type"] in ("ack", "error"),
                since,
                f"reply to {message}",
            )
            if reply["type"] == "ack":
                return reply
            if reply["code"] == "rate_limited":
                await asyncio.sleep(0.2)
                continue
            raise AssertionError(f"{self.label}: {message} refused: {reply}")

    async def answer(self, step, prompt, value):
        return await self.ok({"type": "answer", "step": step, "prompt": prompt, "value": value})

    async def act(self, step, action, **fields):
        return await self.ok({"type": "act", "step": step, "action": action, **fields})

    async def goto(self, index):
        return await self.ok({"type": "goto", "index": index})

    async def close(self):
        await self.ws.close()
        await self.reader


async def staff(server, code, token, label="fac"):
    return await Client(server, code, label).open({"type": "hello", "token": token})


async def join(server, code, name, label):
    return await Client(server, code, label).open({"type": "join", "name": name})


async def goto(fac, phones, index):
    since = [len(p.frames) for p in phones]
    await fac.goto(index)
    for phone, start in zip(phones, since):
        await phone.until(
            lambda m: m["type"] == "step" and m["step"]["index"] == index, start, f"step {index}"
        )


async def shared_ids(fac, step_count):
    """The share numbers, once the facilitator sees `step_count` shared items."""
    frame = await fac.until(
        lambda m: m["type"] in ("activity", "step", "snapshot")
        and isinstance((m.get("activity") or {}).get("shared"), list)
        and len(m["activity"]["shared"]) == step_count,
        what=f"{step_count} shared items",
    )
    return [s["id"] for s in frame["activity"]["shared"]]


def typed(text):
    """What a phone saves while someone types `text`: after every character."""
    return [text[:i] for i in range(1, len(text) + 1)]


NAMES = ["Mette", "Jonas", None, "Aisha", "Henrik"]


async def room(server, session, names):
    fac = await staff(server, session["code"], session["facilitator_token"])
    proj = await staff(server, session["code"], projector_token(session), "proj")
    phones = []
    for i, name in enumerate(names):
        phone = await join(server, session["code"], name, f"p{i + 1}")
        session.setdefault("people", []).append(
            {"id": phone.me["id"], "secret": phone.me["secret"], "name": name}
        )
        phones.append(phone)
    return fac, proj, phones


def projector_token(session):
    return session["projector_url"].rsplit("#", 1)[1]


async def close_all(*screens):
    for screen in screens:
        await screen.close()


# ------------------------------------------------------------------------------------------
# The meetings


async def del1(server, session):
    """Series meeting 1: scales, texts typed over many saves (enough for a snapshot), circles,
    lists with areas, shares named and anonymous, reveals, groups, a countdown."""
    fac, proj, phones = await room(server, session, NAMES)
    for phone in phones:
        await phone.ok({"type": "ready", "step": "velkommen", "ready": True})
    await goto(fac, phones + [proj], 1)
    await fac.ok({"type": "timer_start", "seconds": 600})
    reasons = [
        "Jeg har svært ved at holde fri, når telefonen ringer om aftenen og i weekenden.",
        "Mere tid til familien og til at træne, det giver mig overskud på arbejdet bagefter.",
        "Kalenderen er fuld af møder, så det egentlige ledelsesarbejde sker om aftenen.",
        "Jeg har fundet en god rytme med faste fridage, men presset er stort i perioder nu.",
        "Vi har fået nye opgaver uden nye ressourcer, og det mærker jeg på søvnen og humøret.",
    ]

    async def typing(i, phone):
        await phone.answer("arbejde-privat", "balance", [6, 7, 3, 8, 5][i])
        # Written, thought over and written again twice: over a thousand saves in all, so the
        # log passes the snapshot interval and the session is stored as snapshot plus events.
        for text in typed(reasons[i]) * 3:
            await phone.answer("arbejde-privat", "balance-hvorfor", text)
            await asyncio.sleep(0.04)  # typing speed, within a phone's message allowance
        await phone.answer(
            "arbejde-privat",
            "cirkler",
            {
                "now": {"work": 70 - 5 * i, "private": 30 + 5 * i, "overlap": 10 + i},
                "wanted": {"work": 55, "private": 45, "overlap": 20 + 2 * i},
            },
        )
        await phone.ok({"type": "ready", "step": "arbejde-privat", "ready": True})

    await asyncio.gather(*(typing(i, p) for i, p in enumerate(phones)))
    await fac.ok({"type": "timer_stop"})
    await phones[0].act("arbejde-privat", "share", prompt="balance-hvorfor", share=True, named=True)
    await phones[1].act("arbejde-privat", "share", prompt="balance-hvorfor", share=True)
    await phones[3].act("arbejde-privat", "share", prompt="balance-hvorfor", share=True)
    await phones[3].act("arbejde-privat", "share", prompt="balance-hvorfor", share=False)
    await fac.act("arbejde-privat", "reveal", revealed=True)
    ids = await shared_ids(fac, 2)
    await fac.act("arbejde-privat", "group", shares=ids, label="Grænser for arbejdet")
    # After the reveal one person changes their mind: the published result waits for three.
    await phones[4].answer("arbejde-privat", "balance", 4)

    await goto(fac, phones + [proj], 2)
    gives = [
        ["Gode kolleger", "Når en medarbejder vokser"],
        ["Sparring med min chef", "Faglige diskussioner"],
        ["At lykkes med en svær sag"],
        ["Borgernes tak", "Frihed til at prioritere", "Morgenkaffen med teamet"],
        ["Udvikling af nye tilbud"],
    ]
    for i, phone in enumerate(phones):
        await phone.answer("energi", "giver-energi", "; ".join(gives[i]))
        await phone.answer(
            "energi",
            "tager-energi",
            ["Mails", "Møder uden mål", "Konflikter", "Dokumentation", "Skiftende krav"][i],
        )
        await phone.answer("energi", "energi-niveau", [7, 5, 6, 8, 4][i])
        items = [{"id": f"g{j}", "text": t, "area": "giver"} for j, t in enumerate(gives[i])]
        items.append(
            {
                "id": "t0",
                "text": [
                    "Mails",
                    "Møder uden mål",
                    "Konflikter",
                    "Dokumentation",
                    "Skiftende krav",
                ][i],
                "area": "tager",
            }
        )
        if i == 2:
            items.append({"id": "x", "text": "Uden område"})
        await phone.answer("energi", "stikord", items)
        await phone.ok({"type": "ready", "step": "energi", "ready": True})
    await phones[0].act("energi", "share", prompt="stikord", item="g0", share=True, named=True)
    await phones[1].act("energi", "share", prompt="stikord", item="g1", share=True)
    await phones[3].act("energi", "share", prompt="stikord", item="t0", share=True)
    await phones[4].act("energi", "share", prompt="giver-energi", share=True, named=True)
    await fac.act("energi", "reveal", revealed=True)
    ids = await shared_ids(fac, 4)
    await fac.act("energi", "group", shares=ids[:2], label="Fællesskab")
    await goto(fac, phones + [proj], 3)
    await close_all(fac, proj, *phones)


async def del2(server, session):
    """Series meeting 2: dialogue cards, the grid with ratings, topics, dots and priorities,
    and an action plan with proposals, accepted, edited, moved and deleted rows."""
    fac, proj, phones = await room(server, session, NAMES[:4])
    await goto(fac, phones + [proj], 1)
    await fac.act("dialogkort", "deal", to="room")
    await fac.act("dialogkort", "note", text="Vi mødes for sjældent på tværs")
    await fac.act("dialogkort", "deal", to="turn")
    await phones[0].until(
        lambda m: m["type"] == "activity" and m["activity"]["dealt_count"] == 2, what="my card"
    )
    await phones[0].act("dialogkort", "pass")
    await fac.act("dialogkort", "deal", card="tillid-2", to=phones[2].me["id"])
    await fac.act("dialogkort", "note", text="Fejl deles først, når de er løst")
    await fac.act("dialogkort", "note", text="Ønske: en fast runde om tvivl på ledermødet")
    await fac.act("dialogkort", "add_card", text="Hvad vil vi sige til en ny leder i gruppen?")
    await fac.act("dialogkort", "deal", to="room")

    await goto(fac, phones + [proj], 2)
    topics = ["samarbejde", "sparring", "tillid", "fejl", "frirum", "moeder"]
    for i, phone in enumerate(phones):
        for t, topic in enumerate(topics):
            rating = {"importance": (i + t) % 5 + 1, "success": (2 * i + t) % 5 + 1}
            await phone.answer("prioritering", topic, rating)
    # One rating is only half given.
    await phones[3].answer("prioritering", "moeder", {"importance": 2})
    await fac.act("prioritering", "reveal", revealed=True)
    await fac.act("prioritering", "add_topic", text="Fælles sprog om trivsel")
    await fac.act("prioritering", "allow_topics", allowed=True)
    await phones[1].until(
        lambda m: m["type"] == "activity" and m["activity"].get("participant_topics") is True,
        what="topics allowed",
    )
    await phones[1].act("prioritering", "add_topic", text="Tid til faglig ledelse")
    await fac.act("prioritering", "allow_topics", allowed=False)
    grid = await fac.until(
        lambda m: m["type"] == "activity" and len(m["activity"].get("topics", [])) == 8,
        what="eight topics",
    )
    new = [t["id"] for t in grid["activity"]["topics"][6:]]
    for i, phone in enumerate(phones):
        for t, topic in enumerate(new):
            await phone.answer(
                "prioritering", topic, {"importance": 5 - (i + t) % 2, "success": 2 + i % 2}
            )
    await fac.act("prioritering", "place", topic="tillid", position=[5, 2])
    await fac.act("prioritering", "place", topic="frirum", position=[4, 1])
    await fac.act("prioritering", "place", topic="frirum", position=[4, 2])
    await fac.act("prioritering", "open_vote", open=True)
    votes = [
        ["tillid", "tillid", "frirum"],
        ["frirum", new[1]],
        ["tillid", new[0], new[1]],
        ["frirum", "frirum"],
    ]
    for phone, dots in zip(phones, votes):
        await phone.until(
            lambda m: m["type"] == "activity" and m["activity"].get("voting") is True,
            what="vote open",
        )
        await phone.act("prioritering", "vote", topics=dots)
    await phones[1].act("prioritering", "vote", topics=["frirum", new[1], "tillid"])
    await fac.act("prioritering", "open_vote", open=False)
    await fac.act("prioritering", "prioritise", topics=["tillid", "frirum", new[1]])

    await goto(fac, phones + [proj], 3)
    await fac.ok({"type": "timer_start", "seconds": 900})
    await phones[0].act(
        "handleplan",
        "add_row",
        row={
            "area": "ledergruppen",
            "action": "Fast runde om tvivl og fejl på hvert ledermøde",
            "first_step": "Sæt punktet på dagsordenen til næste møde",
            "owner": "Mette",
            "deadline": "2027-02-01",
            "follow_up": "2027-04-01",
            "answers": "Tillid i ledergruppen",
        },
    )
    await phones[2].act(
        "handleplan", "add_row", row={"area": "selvledelse", "action": "Et forslag ingen tog op"}
    )
    await phones[3].act(
        "handleplan",
        "add_row",
        row={
            "area": "min-chef",
            "action": "Kvartalsvis samtale om arbejdsmængde",
            "owner": "Chefen",
        },
    )
    await fac.act("handleplan", "accept_row", id="r1", accepted=True)
    await fac.act("handleplan", "accept_row", id="r3", accepted=True)
    await fac.act(
        "handleplan",
        "edit_row",
        id="r3",
        row={
            "area": "min-chef",
            "action": "Kvartalsvis samtale med chefen om arbejdsmængde",
            "first_step": "Chefen sender datoer ud",
            "owner": "Chefen",
            "deadline": "2027-03-01",
            "follow_up": "",
            "answers": "Frirum og ro til fordybelse i hverdagen",
        },
    )
    await fac.act(
        "handleplan",
        "add_row",
        row={"area": "organisationen", "action": "Færre rapporteringskrav", "owner": "Direktionen"},
    )
    await fac.act(
        "handleplan", "add_row", row={"area": "omverdenen", "action": "En række der slettes igen"}
    )
    await fac.act("handleplan", "delete_row", id="r5")
    await fac.act("handleplan", "move_row", id="r4", to=0)
    await fac.act("handleplan", "accept_row", id="r4", accepted=False)
    await fac.act("handleplan", "accept_row", id="r4", accepted=True)
    await fac.ok({"type": "timer_stop"})
    await goto(fac, phones + [proj], 4)
    await close_all(fac, proj, *phones)


async def del3(server, session):
    """Series meeting 3: the stakeholder map (actors added, changed, deleted, merged), lists
    shared item by item, and the closing action plan."""
    fac, proj, phones = await room(server, session, NAMES)
    # What the earlier meetings carried in is there before the meeting starts.
    await fac.until(
        lambda m: m["type"] == "snapshot" and len(m["session"].get("carried") or []) > 0,
        what="carried items",
    )
    await goto(fac, phones + [proj], 1)
    for i, phone in enumerate(phones):
        await phone.answer(
            "kortet",
            f"a-{i}-1",
            {"label": "Pårørende", "influence": 4 + i % 2, "effect": -2 + i % 3, "closeness": 2},
        )
        await phone.answer(
            "kortet",
            f"a-{i}-2",
            {
                "label": ["Borgere", "borgere ", "Brugere", "Borgerne", "Byrådet"][i],
                "influence": 5 - i % 2,
                "effect": 1,
            },
        )
        if i % 2 == 0:
            await phone.answer(
                "kortet",
                f"a-{i}-3",
                {"label": "Fagforeningen", "influence": 3, "effect": 0, "closeness": 4},
            )
    await phones[2].answer("kortet", "a-2-3", None)
    await phones[1].answer("kortet", "a-1-1", {"label": "Pårørende", "influence": 3, "effect": -1})
    await fac.act("kortet", "reveal", revealed=True)
    await fac.act(
        "kortet", "merge", labels=["Borgere", "Brugere", "Borgerne"], into="Borgere og brugere"
    )

    await goto(fac, phones + [proj], 2)
    selv = [
        ["Sige nej til møder uden dagsorden", "Invitere pårørende tidligere ind"],
        ["Tale med byrådspolitikerne om rammerne"],
        ["Bruge netværket i andre kommuner"],
        ["Skrive kortere svar til pressen", "Ringe i stedet for at skrive"],
        ["Forberede mig bedre til borgermøder"],
    ]
    for i, phone in enumerate(phones):
        await phone.answer(
            "handlerum", "selv", [{"id": f"s{j}", "text": t} for j, t in enumerate(selv[i])]
        )
        await phone.answer(
            "handlerum",
            "sammen",
            [
                {
                    "id": "f0",
                    "text": [
                        "Fælles linje over for pressen",
                        "Fælles borgermøde",
                        "Én indgang for pårørende",
                        "Fælles høringssvar",
                        "Aftaler med fagforeningen",
                    ][i],
                }
            ],
        )
    await phones[0].act("handlerum", "share", prompt="selv", item="s1", share=True, named=True)
    await phones[1].act("handlerum", "share", prompt="sammen", item="f0", share=True)
    await phones[2].act("handlerum", "share", prompt="sammen", item="f0", share=True, named=True)
    await phones[3].act("handlerum", "share", prompt="selv", item="s0", share=True)
    await fac.act("handlerum", "reveal", revealed=True)
    ids = await shared_ids(fac, 4)
    await fac.act("handlerum", "group", shares=[ids[1], ids[2]], label="Sammen udadtil")
    await fac.act("handlerum", "group", shares=[ids[0], ids[3]], label="Selv")

    await goto(fac, phones + [proj], 3)
    await phones[4].act(
        "handleplan",
        "add_row",
        row={
            "area": "omverdenen",
            "action": "Fast dialogmøde med pårørenderådet",
            "answers": "Pårørende",
            "deadline": "2027-05-01",
        },
    )
    await fac.act(
        "handleplan",
        "add_row",
        row={
            "area": "ledergruppen",
            "action": "Fælles linje over for pressen",
            "first_step": "Udkast til næste møde",
            "owner": "Jonas",
            "follow_up": "2027-06-01",
        },
    )
    await fac.act("handleplan", "accept_row", id="r1", accepted=True)
    await goto(fac, phones + [proj], 4)
    await close_all(fac, proj, *phones)


async def enkelte_leder(server, session):
    """The 1:1 conversation: a reflection and a personal plan the leader shares."""
    fac, proj, phones = await room(server, session, ["Sofie"])
    leader = phones[0]
    await goto(fac, [leader, proj], 1)
    await leader.answer("trivsel", "skala", 6)
    await leader.answer("trivsel", "bidrager", "Et godt team og en chef der lytter.")
    await leader.answer(
        "trivsel", "udfordrer", "For mange sager på samme tid, og for lidt tid til at tænke."
    )
    await leader.answer("trivsel", "styrke", "Faste pauser og en makker at sparre med.")
    await leader.act("trivsel", "share", prompt="styrke", share=True, named=True)
    await fac.act("trivsel", "reveal", revealed=True)
    await goto(fac, [leader, proj], 2)
    plan = {
        "selvledelse": {
            "work": "Sige nej til flere møder",
            "first_step": "Gennemgå kalenderen fredag",
        },
        "ledergruppen": {"work": "Bede om sparring når en sag er svær", "first_step": ""},
        "min-chef": {
            "work": "Aftale hvad der kan vente",
            "first_step": "Tage det op til næste 1:1",
        },
    }
    for area, entry in plan.items():
        await leader.answer("min-trivsel", area, entry)
    await leader.answer(
        "min-trivsel", "medarbejderne", {"work": "Noget jeg fortrød", "first_step": ""}
    )
    await leader.answer("min-trivsel", "medarbejderne", None)
    await leader.act("min-trivsel", "share_plan", share=True)
    await fac.until(
        lambda m: m["type"] == "activity" and (m["activity"] or {}).get("shared"),
        what="the shared plan",
    )
    await goto(fac, [leader, proj], 3)
    await close_all(fac, proj, *phones)


async def organisationen(server, session):
    """In English, with cards and topics of its own: four scales, a list, a text, cards, the
    grid. Stops on the grid (the plan is never reached)."""
    fac, proj, phones = await room(server, session, ["Grace", None, "Omar", "Lea"])
    await goto(fac, phones + [proj], 1)
    for i, phone in enumerate(phones):
        for j, prompt in enumerate(["stoette", "tryghed", "indflydelse", "restitution"]):
            await phone.answer("status", prompt, (i + 2 * j) % 10 + 1)
        await phone.answer(
            "status",
            "virker",
            [
                {
                    "id": "v1",
                    "text": [
                        "Mentoring for new leaders",
                        "Quick HR answers",
                        "Leader network",
                        "Clear budgets",
                    ][i],
                    "area": ["stoette", "stoette", "tryghed", "indflydelse"][i],
                },
                {"id": "v2", "text": "Fewer reports", "area": "restitution"},
            ],
        )
        await phone.answer("status", "et-trin-op", f"Step {i + 1}: fewer meetings on Fridays")
    await phones[0].act("status", "share", prompt="virker", item="v1", share=True, named=True)
    await phones[1].act("status", "share", prompt="et-trin-op", share=True)
    await fac.act("status", "reveal", revealed=True)
    await fac.act("status", "reveal", revealed=False)
    await fac.act("status", "reveal", revealed=True)
    await goto(fac, phones + [proj], 2)
    await fac.act("dialogkort", "deal", to="room")
    await fac.act("dialogkort", "note", text="Nobody knows where to get help at night")
    await fac.act("dialogkort", "deal", card="kort-2", to="turn")
    await goto(fac, phones + [proj], 3)
    for i, phone in enumerate(phones):
        for t, topic in enumerate(["emne-1", "emne-2", "emne-3"]):
            await phone.answer(
                "prioritering",
                topic,
                {"importance": (i + t) % 5 + 1, "success": (i * 3 + t) % 5 + 1},
            )
    await fac.act("prioritering", "reveal", revealed=True)
    await fac.act("prioritering", "prioritise", topics=["emne-2"])
    await close_all(fac, proj, *phones)


async def ledergruppen(server, session):
    """A participant answers, shares and then deletes everything (an erasing snapshot); the
    meeting stops on the grid before anything is revealed."""
    fac, proj, phones = await room(server, session, ["Karen", "Peter", "Nanna", None])
    await goto(fac, phones + [proj], 1)
    for i, phone in enumerate(phones):
        await phone.answer("egen-trivsel", "trivsel", [7, 4, 8, 6][i])
        await phone.answer("egen-trivsel", "stoettet", [6, 3, 9, 5][i])
        await phone.answer(
            "egen-trivsel",
            "gruppen-giver",
            [
                {
                    "id": "k1",
                    "text": ["Ærlige svar", "Hjælp i spidsbelastning", "Grin", "Faglig sparring"][
                        i
                    ],
                    "area": ["tryghed", "stoette", "restitution", "stoette"][i],
                }
            ],
        )
        await phone.answer(
            "egen-trivsel", "et-trin", ["Spørge mere", "Sige til", "Holde fri", "Dele mere"][i]
        )
    await phones[1].act(
        "egen-trivsel", "share", prompt="gruppen-giver", item="k1", share=True, named=True
    )
    await phones[2].act(
        "egen-trivsel", "share", prompt="gruppen-giver", item="k1", share=True, named=True
    )
    await phones[3].act("egen-trivsel", "share", prompt="et-trin", share=True)
    await fac.act("egen-trivsel", "reveal", revealed=True)
    await phones[1].ok({"type": "forget_me"})
    await goto(fac, phones + [proj], 2)
    await fac.act("dialogkort", "deal", to="turn")
    await fac.act("dialogkort", "deal", to="turn")
    await fac.act("dialogkort", "pass")
    await goto(fac, phones + [proj], 3)
    for i, phone in enumerate(phones[:3]):
        await phone.answer("prioritering", "tillid", {"importance": 5, "success": 2 + i})
    await close_all(fac, proj, *phones)


ORGANISATION_CUSTOMISE = {
    "dialogkort": {
        "cards": [
            "Where does a leader go for help when things fall apart at night?",
            {
                "da": "Hvad har nye ledere brug for den første måned?",
                "en": "What do new leaders need in their first month?",
            },
        ]
    },
    "prioritering": {
        "topics": [
            "Clear frames for leaders",
            "Quick help from HR",
            "A span of control that leaves time",
        ]
    },
}


async def run_meetings(server):
    sessions = []
    series = server.post("/api/series", {"series": "tre-trins-raket", "min_group": 3})
    for position, (meeting, programme) in enumerate(
        zip(series["meetings"], ["del1", "del2", "del3"])
    ):
        sessions.append(
            {
                **meeting,
                "label": f"serie-{position + 1}-{programme}",
                "programme": programme,
                "lang": "da",
                "min_group": 3,
                "series": {"id": series["series"], "position": position},
            }
        )
    one_to_one = server.post("/api/sessions", {"programme": "enkelte-leder", "min_group": 1})
    sessions.append(
        {
            **one_to_one,
            "label": "enkelte-leder",
            "programme": "enkelte-leder",
            "lang": "da",
            "min_group": 1,
            "series": None,
        }
    )
    org = server.post(
        "/api/sessions",
        {
            "programme": "organisationen",
            "lang": "en",
            "min_group": 2,
            "customise": ORGANISATION_CUSTOMISE,
        },
    )
    sessions.append(
        {
            **org,
            "label": "organisationen-en",
            "programme": "organisationen",
            "lang": "en",
            "min_group": 2,
            "series": None,
        }
    )
    group = server.post("/api/sessions", {"programme": "ledergruppen"})
    sessions.append(
        {
            **group,
            "label": "ledergruppen",
            "programme": "ledergruppen",
            "lang": "da",
            "min_group": 3,
            "series": None,
        }
    )
    untouched = server.post("/api/sessions", {"programme": "del2", "lang": "en", "min_group": 5})
    sessions.append(
        {
            **untouched,
            "label": "del2-tom",
            "programme": "del2",
            "lang": "en",
            "min_group": 5,
            "series": None,
        }
    )

    by_label = {s["label"]: s for s in sessions}
    participants = {}
    for label, meeting in [
        ("serie-1-del1", del1),
        ("serie-2-del2", del2),
        ("serie-3-del3", del3),
        ("enkelte-leder", enkelte_leder),
        ("organisationen-en", organisationen),
        ("ledergruppen", ledergruppen),
    ]:
        print(f"  {label} ({by_label[label]['code']})", flush=True)
        await meeting(server, by_label[label])
        participants[label] = by_label[label].get("people", [])
    # Open every later meeting once more, so what it carries is stored from the finished
    # earlier meetings (the server refreshes it at most every five seconds).
    await asyncio.sleep(5.5)
    for label in ["serie-2-del2", "serie-3-del3"]:
        s = by_label[label]
        screen = await staff(server, s["code"], s["facilitator_token"])
        await asyncio.sleep(1.0)
        await screen.close()
    return series, sessions, participants


# ------------------------------------------------------------------------------------------
# Downloads


def downloads(series, sessions, participants):
    """Every download to save: (file under exports/, path, who authorises)."""
    out = []
    for s in sessions:
        code, label = s["code"], s["label"]
        d = f"{label}-{code}"
        out.append((f"{d}/info.json", f"/api/sessions/{code}", "facilitator"))
        for fmt in ["md", "html", "docx", "csv", "json"]:
            out.append(
                (f"{d}/export.{fmt}", f"/api/sessions/{code}/export?format={fmt}", "facilitator")
            )
        out.append(
            (
                f"{d}/invitation.ics",
                f"/api/sessions/{code}/invitation.ics?start={INVITATION_START}",
                "facilitator",
            )
        )
        out.append((f"{d}/qr.svg", f"/api/sessions/{code}/qr.svg", None))
        if s["programme"] == "enkelte-leder":
            leader = participants[label][0]["id"]
            out.append(
                (
                    f"{d}/invitation-90.ics",
                    f"/api/sessions/{code}/invitation.ics?start=2027-03-28T01:30&minutes=90",
                    "facilitator",
                )
            )
            for fmt in ["html", "docx"]:
                out.append(
                    (
                        f"{d}/personal-plan.{fmt}",
                        f"/api/sessions/{code}/personal-plan?format={fmt}",
                        f"participant:{leader}",
                    )
                )
                out.append(
                    (
                        f"{d}/personal-plan-facilitator.{fmt}",
                        f"/api/sessions/{code}/personal-plan?format={fmt}&step=min-trivsel&participant={leader}",
                        "facilitator",
                    )
                )
    first = sessions[0]["code"]
    for fmt in ["md", "html", "docx", "csv", "json"]:
        # Asked through the last meeting's code: any meeting's code names the series.
        via = sessions[2]["code"] if fmt == "json" else first
        out.append(
            (
                f"serie-{series['series']}/export.{fmt}",
                f"/api/series/{via}/export?format={fmt}",
                "facilitator",
            )
        )
    return out


def bearer_of(who, session, participants):
    if who is None:
        return None
    if who == "facilitator":
        return session["facilitator_token"]
    pid = who.split(":", 1)[1]
    person = next(p for p in participants[session["label"]] if p["id"] == pid)
    return f"{pid}:{person['secret']}"


def fetch_all(server, plan, session_of, participants):
    got = {}
    for file, path, who in plan:
        status, body, headers = server.get(path, bearer_of(who, session_of(path), participants))
        assert status == 200, (path, status, body[:200])
        got[file] = (body, headers.get("Content-Type"), headers.get("Content-Disposition"))
    return got


def zip_parts(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: (z.read(i.filename), i.date_time) for i in z.infolist()}


def differences(a, b):
    """What differs between two downloads of the same file, in words."""
    if a == b:
        return None
    if a[:2] == b"PK" and b[:2] == b"PK":
        pa, pb = zip_parts(a), zip_parts(b)
        parts = [
            n for n in sorted(set(pa) | set(pb)) if pa.get(n, (None,))[0] != pb.get(n, (None,))[0]
        ]
        dates = pa.get("word/document.xml", (0, 0))[1] != pb.get("word/document.xml", (0, 0))[1]
        return (
            f"zip differs; parts with other content: {parts or 'none'}; entry times differ: {dates}"
        )
    la, lb = a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines()
    lines = [f"{x!r} / {y!r}" for x, y in zip(la, lb) if x != y]
    return f"lines differ: {lines[:3]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--binary", required=True, help="the trivsel binary that writes the fixture"
    )
    parser.add_argument("--out", default=str(ROOT / "tests" / "fixtures" / "compat"))
    parser.add_argument("--commit", default="91a6ba8", help="the commit the binary was built from")
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    out = Path(args.out)
    work = Path(tempfile.mkdtemp(prefix="trivsel-compat-"))
    log = open(work / "server.log", "wb")

    print(f"writing with {binary} (log: {work / 'server.log'})", flush=True)
    server = Server(binary, work / "data", log)
    try:
        series, sessions, participants = asyncio.run(run_meetings(server))
        code_of = {s["code"]: s for s in sessions}

        def session_of(path):
            return code_of[path.split("/")[3]]

        plan = downloads(series, sessions, participants)
        live = fetch_all(server, plan, session_of, participants)
    finally:
        server.stop()

    # A clean stop leaves the database whole in its main file; check, and fold in a WAL if a
    # binary ever leaves one behind.
    db = work / "data" / "trivsel.sqlite3"
    leftovers = [p.name for p in db.parent.iterdir() if p.name != db.name and p.stat().st_size > 0]
    if leftovers:
        print(
            f"  after SIGTERM the data directory still had {leftovers}: checkpointing", flush=True
        )
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    fixture_db = out / "data" / "trivsel.sqlite3"
    if out.exists():
        shutil.rmtree(out / "data", ignore_errors=True)
        shutil.rmtree(out / "exports", ignore_errors=True)
    fixture_db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, fixture_db)
    check = sqlite3.connect(f"file:{fixture_db}?mode=ro&immutable=1", uri=True)
    stored = {
        code: {"events": events, "snapshot_seq": None}
        for code, events in check.execute("SELECT code, count(*) FROM events GROUP BY code")
    }
    for code, seq in check.execute("SELECT code, seq FROM snapshots"):
        stored.setdefault(code, {"events": 0})["snapshot_seq"] = seq
    last = dict(check.execute("SELECT code, max(seq) FROM events GROUP BY code"))
    codes = [c for (c,) in check.execute("SELECT code FROM sessions")]
    check.close()

    # What the binary gives for the stored data, as a fresh start reads it back: twice.
    reread = work / "reread"
    reread.mkdir()
    shutil.copyfile(fixture_db, reread / "trivsel.sqlite3")
    server = Server(binary, reread, log)
    try:
        first = fetch_all(server, plan, session_of, participants)
        time.sleep(1.1)
        second = fetch_all(server, plan, session_of, participants)
    finally:
        server.stop()

    volatile = {}
    restart = {}
    for file, _, _ in plan:
        d = differences(first[file][0], second[file][0])
        if d:
            volatile[file] = d
        if file.endswith("info.json"):
            continue  # `connected` counts the generator's own screens while they were open
        d = differences(live[file][0], first[file][0])
        if d:
            restart[file] = d
    parts_of = {}
    for file, (body, _, _) in first.items():
        path = out / "exports" / file
        path.parent.mkdir(parents=True, exist_ok=True)
        if not file.endswith(".docx"):
            path.write_bytes(body)
            continue
        # A Word file is mostly its pictures (PNG, already compressed): its text parts are
        # saved one by one, its pictures only by their SHA-256, to keep the fixture small.
        parts_of[file] = []
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            for info in z.infolist():
                data = z.read(info.filename)
                saved = not info.is_dir() and not info.filename.startswith("word/media/")
                if saved:
                    part = out / "exports" / (file + ".parts") / info.filename
                    part.parent.mkdir(parents=True, exist_ok=True)
                    part.write_bytes(data)
                parts_of[file].append(
                    {
                        "name": info.filename,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "saved": saved,
                    }
                )

    manifest = {
        "about": "A data directory written by the trivsel binary of commit "
        f"{args.commit}, and what that binary exported from it. See README.md.",
        "written_by": args.commit,
        "public_url": PUBLIC_URL,
        "sessions": [
            {
                "label": s["label"],
                "code": s["code"],
                "programme": s["programme"],
                "lang": s["lang"],
                "min_group": s["min_group"],
                "facilitator_token": s["facilitator_token"],
                "projector_token": projector_token(s),
                "series": s["series"],
                "participants": participants.get(s["label"], []),
                # Events in the log, the sequence number of the snapshot (if any; the events
                # it covers are deleted) and of the last event.
                "stored": {
                    **stored.get(s["code"], {"events": 0, "snapshot_seq": None}),
                    "seq": max(
                        last.get(s["code"]) or 0,
                        (stored.get(s["code"]) or {}).get("snapshot_seq") or 0,
                    ),
                },
            }
            for s in sessions
        ],
        "series": [
            {
                "id": series["series"],
                "codes": [m["code"] for m in series["meetings"]],
                "facilitator_token": series["facilitator_token"],
            }
        ],
        "downloads": [
            {
                "file": file,
                "path": path,
                "auth": who,
                "content_type": first[file][1],
                "content_disposition": first[file][2],
                "sha256": hashlib.sha256(first[file][0]).hexdigest(),
                **({"zip_parts": parts_of[file]} if file in parts_of else {}),
            }
            for file, path, who in plan
        ],
    }
    assert sorted(codes) == sorted(s["code"] for s in sessions)
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")

    print("sessions:")
    for s in manifest["sessions"]:
        print(f"  {s['label']:<20} {s['code']}  {s['stored']}")
    print(f"{len(plan)} downloads saved under {out / 'exports'}")
    print(
        "not the same in two downloads from one binary:"
        if volatile
        else "every download is byte-stable"
    )
    for file, d in volatile.items():
        print(f"  {file}: {d}")
    if restart:
        print("differs between the running server and after its restart:")
        for file, d in restart.items():
            print(f"  {file}: {d}")
    shutil.rmtree(work / "reread")
    shutil.rmtree(work / "data")


if __name__ == "__main__":
    main()
