#!/usr/bin/env python
"""Billing benchmark: a month's billing run at city scale, and the invoice PDF rate.

    .venv/bin/python bench/billing.py                          # SQLite and PostgreSQL, 5,000 children
    .venv/bin/python bench/billing.py --engine sqlite --quick  # 200 children, 3 PDFs: checks the script

The dataset is the agenda bench's (bench/agenda.py `seed`: the demo commune, then ~5,000 generated children in
~3,000 families booked on every open day of the 2026-2027 school year, clock pinned to 2026-11-23), plus a tariff
for every activity that has none (the agenda bench's extra leisure centres). Then, for October 2026 (the demo has
already invoiced its own 30 families for it):

1. the preview (`run.preview`: every family's month priced, nothing written);
2. the run (`run.run_month`: one transaction per family with its number), its rate, and the process's peak memory
   before and after (ru_maxrss: the run streams families in batches, so it should not grow with the city);
3. `--pdfs` invoice PDFs (WeasyPrint, PDF/UA-1) rendered one after the other, the first apart (fonts loaded).

Prints figures; judges nothing beyond the aims it prints. See bench/README.md for the figures of this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import agenda  # noqa: E402  (the agenda bench's dataset, database preparation and app)
from sqlalchemy import func, select, text  # noqa: E402

from blueprints.billing import run  # noqa: E402
from models import Activity, Invoice, Reservation, Tariff, db  # noqa: E402

MONTH = dt.date(2026, 10, 1)
DUE = dt.date(2026, 12, 15)
AIM_RUN_S = 60


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_missing_tariffs() -> int:
    """An effort tariff (0.5 % of the QF, 1,00 € to 6,00 €) for every activity without one."""
    priced = set(db.session.execute(select(Tariff.activity_id)).scalars())
    added = 0
    for activity in db.session.execute(select(Activity)).scalars():
        if activity.id not in priced:
            db.session.add(Tariff(activity_id=activity.id, valid_from=dt.date(2026, 9, 1), kind="effort",
                                  effort_rate_millis=500, floor_cents=100, ceiling_cents=600,
                                  created_at=agenda.NOW))
            added += 1
    db.session.commit()
    return added


def bench_engine(engine_name: str, args) -> dict:
    url, cleanup = agenda.prepare_database(engine_name, args)
    instance = tempfile.mkdtemp(prefix="bench_billing_")
    try:
        app = agenda.bench_app(url, instance)
        with app.app_context(), app.test_request_context("/", base_url="https://portail.example.org"):
            db.create_all()
            is_pg = db.engine.dialect.name == "postgresql"
            print(f"[{engine_name}] seeding {args.children:,} children...", flush=True)
            t = time.perf_counter()
            data = agenda.seed(args.children, is_pg)
            seed_s = time.perf_counter() - t
            added = add_missing_tariffs()
            month_rows = db.session.scalar(select(func.count()).select_from(Reservation).where(
                Reservation.date.between(MONTH, dt.date(2026, 10, 31))))
            print(f"[{engine_name}] {data['reservations']:,} reservations, {month_rows:,} in October; "
                  f"{added} tariffs added; preview...", flush=True)
            db.session.remove()
            mem_before = peak_mib()
            t = time.perf_counter()
            preview = run.preview(MONTH, agenda.NOW)
            preview_s = time.perf_counter() - t
            db.session.remove()
            print(f"[{engine_name}] run...", flush=True)
            t = time.perf_counter()
            started = run.start(MONTH, DUE, agenda.NOW)
            billing_run = run.execute(started.id, lambda: agenda.NOW, commit_every=args.commit_every)
            run_s = time.perf_counter() - t
            mem_after = peak_mib()
            invoices = list(db.session.execute(select(Invoice.id).where(Invoice.month == MONTH)
                                               .order_by(Invoice.id).limit(args.pdfs + 1)).scalars())
            pdf = pdf_rate(invoices, args.pdfs)
            version = db.session.scalar(text("SELECT version()" if is_pg else "SELECT sqlite_version()"))
            db.session.remove()
            db.engine.dispose()
        return {"engine": engine_name, "version": version.split(" on ")[0], "seed_s": seed_s, "data": data,
                "month_rows": month_rows, "preview_s": preview_s, "preview": preview, "run_s": run_s,
                "run": billing_run, "commit_every": args.commit_every, "mem_before": mem_before,
                "mem_after": mem_after, "pdf": pdf}
    finally:
        cleanup()


def pdf_rate(invoice_ids: list[int], n: int) -> dict:
    from blueprints.billing import pdf, service
    from blueprints.billing.family import line_rows, payment_help

    def one(invoice_id):
        invoice = db.session.get(Invoice, invoice_id)
        return pdf.invoice_pdf(service.invoice_view(invoice, dt.date(2026, 11, 23)), line_rows(invoice),
                               payment_help())

    t = time.perf_counter()
    first = one(invoice_ids[0])
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    sizes = [len(one(i)) for i in invoice_ids[1:n + 1]]
    rest_s = time.perf_counter() - t
    return {"first_s": first_s, "n": len(sizes), "per_s": len(sizes) / rest_s if rest_s else 0.0,
            "ms_each": rest_s * 1000 / max(len(sizes), 1), "bytes": (min(sizes + [len(first)]),
                                                                    max(sizes + [len(first)]))}


def report(r: dict) -> None:
    billing_run, preview = r["run"], r["preview"]
    print(f"\n=== {r['engine']} ({r['version']}) ===")
    print(f"  dataset: {r['data']['children']:,} children, {r['data']['families']:,} families, "
          f"{r['data']['reservations']:,} reservations ({r['month_rows']:,} in October 2026); seeded in "
          f"{r['seed_s']:.0f} s")
    print(f"  preview: {preview.invoices:,} invoices, {preview.total_cents / 100:,.2f} EUR, "
          f"{len(preview.anomalies)} anomalies, in {r['preview_s']:.1f} s")
    rate = billing_run.invoices_count / r["run_s"] if r["run_s"] else 0
    print(f"  run:     {billing_run.invoices_count:,} invoices ({billing_run.families_done:,} families), "
          f"{billing_run.total_cents / 100:,.2f} EUR, in {r['run_s']:.1f} s ({rate:,.0f} invoices/s, "
          f"{r['commit_every']} families per commit) "
          f"— aim < {AIM_RUN_S} s: {'met' if r['run_s'] < AIM_RUN_S else 'NOT met'}")
    print(f"  memory:  peak RSS {r['mem_before']:.0f} MiB before preview and run, {r['mem_after']:.0f} MiB after")
    p = r["pdf"]
    print(f"  PDF:     first {p['first_s']:.2f} s (fonts), then {p['n']} in a row: {p['ms_each']:.0f} ms each "
          f"({p['per_s']:.1f}/s), {p['bytes'][0] // 1024}-{p['bytes'][1] // 1024} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--pdfs", type=int, default=20, help="invoice PDFs rendered in a row (default 20)")
    parser.add_argument("--commit-every", type=int, default=run.GROUP,
                        help=f"families per transaction in the run (default {run.GROUP}, as the app does; 1: a commit "
                             "per family)")
    parser.add_argument("--quick", action="store_true", help="200 children, 3 PDFs: checks the script works")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL database of the bench, dropped and created again (default "
                             "bench_portail_billing, bench_portail_billing_quick with --quick)")
    parser.add_argument("--sqlite-dir", help="folder of the SQLite file (default: a new temporary folder)")
    args = parser.parse_args()
    args.keep, args.reuse = False, False
    if args.quick:
        args.children, args.pdfs = 200, 3
    if not args.pg_url:
        args.pg_url = agenda.DEFAULT_PG.replace("bench_portail", "bench_portail_billing") + (
            "_quick" if args.quick else "")
    engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
    started = time.perf_counter()
    print(f"billing bench {dt.date.today()} at {agenda.git_revision()}: {args.children:,} children, month "
          f"{MONTH:%Y-%m}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    for name in engines:
        report(bench_engine(name, args))
    print(f"\ntotal run time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
