"""End-to-end demo of learning from moderators: a new spam campaign the shipped model misses.

1. Starts ``saring serve`` on a fresh SARING_HOME (embedded Redis + SQLite) on 127.0.0.1.
2. Posts a campaign of Indonesian illegal-loan ("pinjol") spam and ordinary comments through the
   JSON API, as a comment form would, and prints what the current model decided.
3. An admin marks them through the queue API (spam / approve), as moderators would.
4. Runs ``saring retrain`` (full data; a few minutes), which gates and publishes the candidate.
5. Posts NEW variants of the campaign and new ordinary comments and prints the decisions again.

    .venv/bin/python docs/retrain-example/feedback_demo.py [--out var/demo-run]

The run's report is copied to ``--out`` (default ``var/demo-run``, which git ignores; a relative
path is taken from the current folder). A folder holding files git tracks (such as
``docs/retrain-example/run``, the report kept in the repository) is replaced only with
``--replace-tracked``.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SITE = "https://kota.example"

NEEDS = ["Butuh dana cepat?", "Lagi butuh uang mendesak?", "Dana darurat untuk sekolah anak?", "Modal usaha kurang?",
         "Terlilit hutang?", "Gaji belum cair?"]
OFFERS = ["pinjaman online tanpa jaminan cair 5 menit", "pinjol resmi bunga 0% tanpa BI checking",
          "dana tunai langsung cair ke rekening tanpa survei", "limit sampai 20 juta cukup KTP saja",
          "pencairan kilat tanpa ribet, tenor bebas"]
CALLS = ["hubungi WA 0812-7711-{n}", "chat admin Bu Rina WA 0857-2210-{n}", "klik wa.me/62813{n}",
         "daftar di dana-kilat{n}.example"]
HAM = [
    "Semoga perbaikan jembatan di Jalan Sudirman cepat selesai, macet sekali tiap pagi.",
    "Terima kasih liputannya, warga di kampung kami juga kena banjir kemarin.",
    "Pak wali kota harus lihat sendiri kondisi pasar yang becek ini.",
    "Anak saya ikut lomba di alun-alun, acaranya seru dan rapi.",
    "Harga beras naik lagi, semoga pemerintah cepat turun tangan.",
    "Kapan jadwal vaksin di puskesmas kecamatan dibuka lagi?",
    "The new bus route finally connects our neighbourhood to the hospital, thank you.",
    "Great coverage of the festival, the photos of the dancers are beautiful.",
    "Saya setuju, trotoar harus untuk pejalan kaki bukan untuk parkir motor.",
    "Lampu lalu lintas di perempatan dekat sekolah mati sudah seminggu.",
    "Semoga korban kebakaran diberi kesabaran dan bantuan cepat datang.",
    "Is the night market still open during the rainy season?",
]


def campaign(seed: int, n: int) -> list[str]:
    rnd = random.Random(seed)
    out = [f"{a} {b}, {c.format(n=rnd.randint(1000, 9999))}" for a, b, c in itertools.product(NEEDS, OFFERS, CALLS)]
    rnd.shuffle(out)
    return out[:n]


def call(method: str, url: str, token: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Where the report goes by default: under var/, which git ignores.
DEFAULT_OUT = REPO / "var" / "demo-run"


def tracked_files(folder: Path) -> list[str]:
    """Files under ``folder`` that git tracks in this repository ([] outside it, or without git)."""
    try:
        folder.relative_to(REPO)
    except ValueError:
        return []
    try:
        out = subprocess.run(["git", "-C", str(REPO), "ls-files", "--", str(folder)], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return out.splitlines()


def output_folder(out: Path, replace_tracked: bool = False) -> Path:
    """``out`` as an absolute path (a relative one from the current folder). Raises ``SystemExit``
    when it holds files git tracks and ``replace_tracked`` is false: checked before the run, not
    after minutes of retraining."""
    folder = out.expanduser().resolve()
    tracked = tracked_files(folder)
    if tracked and not replace_tracked:
        raise SystemExit(f"{out} holds {len(tracked)} file(s) tracked by git ({tracked[0]} …); choose another "
                         "--out, or pass --replace-tracked to replace them")
    return folder


def copy_report(run_dir: Path, folder: Path) -> str:
    """Copy the run folder ``run_dir`` (without the model artifact) to ``folder``, replacing it;
    returns how to name ``folder``/report.html to the reader (relative to the current folder when inside it)."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(run_dir, folder, ignore=shutil.ignore_patterns("*.skops"))
    report = folder / "report.html"
    try:
        return str(report.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(report)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the run's report (default var/demo-run)")
    ap.add_argument("--replace-tracked", action="store_true",
                    help="let --out replace files git tracks (to refresh docs/retrain-example/run)")
    args = ap.parse_args()
    out = output_folder(args.out, args.replace_tracked)
    home = Path(tempfile.mkdtemp(prefix="saring-demo-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(SARING_HOME=str(home), SARING_LOG_LEVEL="WARNING")
    saring = str(BIN / "saring")

    def cli(*a: str, stdin: str | None = None) -> str:
        return subprocess.run([saring, *a], env=env, cwd=REPO, input=stdin, capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]

    key = cli("keys", "create", "--site", SITE)
    cli("users", "create", "--email", "admin@kota.example", "--role", "admin", stdin="demo passphrase 123\n")
    token = cli("users", "token", "--email", "admin@kota.example")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([saring, "serve", "--port", str(port), "--workers", "2"], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/readyz", timeout=1)
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.2)

        def check(texts: list[str], ip_base: int) -> list[dict]:
            return [call("POST", f"{base}/api/v1/comments", key,
                         {"content": t, "author": f"pembaca{i}", "user_ip": f"203.0.113.{(ip_base + i) % 250 + 1}"})
                    for i, t in enumerate(texts)]

        def show(title: str, texts: list[str], answers: list[dict]) -> None:
            print(f"\n{title}")
            for t, a in zip(texts, answers):
                print(f"  {a['decision']:<7} {a['spam_score']:.3f}  {t[:70]}")

        spam, ham = campaign(1, 60), HAM * 3
        before = check(spam + ham, 0)
        caught = sum(a["decision"] != "accept" for a in before[:len(spam)])
        print(f"model {before[0]['model_version']}: campaign held/rejected {caught}/{len(spam)}; "
              f"ordinary held/rejected {sum(a['decision'] != 'accept' for a in before[len(spam):])}/{len(ham)}")
        show("before (first 6 of each)", spam[:6] + ham[:6], before[:6] + before[len(spam):len(spam) + 6])

        spam_ids = [a["id"] for a in before[:len(spam)]]
        ham_ids = [a["id"] for a in before[len(spam):]]
        for action, ids in (("spam", spam_ids), ("approve", ham_ids)):
            r = call("POST", f"{base}/api/v1/queue/actions", token, {"action": action, "ids": ids})
            print(f"moderator action {action}: {len(ids)} comments -> {json.dumps(r)[:120]}")

        t0 = time.time()
        run = subprocess.run([saring, "retrain", "--by", "demo"], env=env, cwd=REPO, capture_output=True, text=True)
        print(f"\n$ saring retrain --by demo   ({time.time() - t0:.0f} s, exit {run.returncode})")
        print(run.stdout)
        time.sleep(3)  # workers switch within the poll interval

        new_spam = [t for t in campaign(2, 60) if t not in spam][:20]
        new_ham = ["Jalan di depan terminal rusak parah, mohon segera diperbaiki.",
                   "Terima kasih sudah memberitakan kegiatan posyandu di desa kami.",
                   "The library's new reading room is lovely, well done to the council.",
                   "Semoga harga cabai turun menjelang lebaran.",
                   "Kami warga RW 05 mengadakan kerja bakti hari Minggu, ayo ikut.",
                   "Is there parking near the new stadium?"]
        after = check(new_spam + new_ham, 100)
        print(f"\nmodel {after[0]['model_version']}: NEW campaign variants held/rejected "
              f"{sum(a['decision'] != 'accept' for a in after[:len(new_spam)])}/{len(new_spam)}; "
              f"new ordinary held/rejected {sum(a['decision'] != 'accept' for a in after[len(new_spam):])}/{len(new_ham)}")
        show("after (first 6 spam, all ham)", new_spam[:6] + new_ham, after[:6] + after[len(new_spam):])
        reports = sorted((home / "reports").glob("run-*"))
        if reports:
            print(f"\nreport copied to {copy_report(reports[-1], out)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
