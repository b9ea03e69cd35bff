"""Does a balance cost the same at 10 and at 10,000 ledger entries, and how fast are redemptions
under contention next to a bare row-locked UPDATE loop?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_loyalty .venv/bin/python bench/loyalty.py [--reads 2000] [--threads 8] [--redemptions 1000]

DATABASE_URL names a scratch database; it is created afresh (dropped first if a previous run left
it, through the server's `postgres` database), migrated, and dropped at the end unless --keep.
Settings: postpurchase.settings.test on that database.

1. One store with the default programme; member A with 10 ledger entries, member B with 10,000
   (B's written set-based, with the account's mirror columns set to their sums, as `entry_post`
   would leave them).
2. Balance reads: `loyalty.services.balance` (what the page, the API and the merchant read) --reads
   times for A and for B, alternating in rounds (the best round of each counts); and, for contrast, the
   ledger's SUM over the same accounts. Ratio B/A: target <= 1.05.
3. Redemptions under contention: one member with points for exactly --redemptions rewards;
   --threads threads call `reward_redeem` until refused. Checks the guarantee: exactly
   --redemptions succeed, the balance ends at 0, the ledger sums to the mirror.
4. The floors, in raw psycopg with the same threads and the same guarantee (never below zero):
   (bare) `UPDATE loyalty_account SET available = available - n WHERE id = … AND available >= n`,
   one statement per transaction; (floor) what a redemption cannot do without: lock the row, debit
   it, insert the ledger entry and the discount code, commit.
5. Print rates and ratios ours/bare and ours/floor, all measured in this run.

The reward email's flow is switched off for the run: scheduling and sending a message is the
outbox's cost, measured by bench/outbox.py. Not part of the test run; see bench/README.md.
"""

import secrets
import threading
import time

from common import Stopwatch, parse_with_keep, parser_for, raw_connect, scratch_config, scratch_database, setup_django

ROUNDS = 20


def setup(redemptions: int):
    from django.utils import timezone

    from loyalty.kinds import REWARD_MESSAGE
    from loyalty.ledger import account_for
    from loyalty.models import Account, EntryKind, PointsEntry
    from loyalty.programme import programme_for
    from loyalty.services import bonus_give
    from notifications.flows import messaging_for
    from notifications.models import Flow
    from orders.models import Customer, Store

    store = Store.objects.create(slug="bench", name="Bench", currency="EUR")
    messaging_for(store)
    Flow.objects.filter(store=store, kind=REWARD_MESSAGE).update(enabled=False)
    programme = programme_for(store)
    reward = programme.rewards.get()

    def member(email: str) -> Customer:
        return Customer.objects.create(store=store, email=email)

    small, big, spender = member("a@example.com"), member("b@example.com"), member("c@example.com")
    for n in range(10):
        bonus_give(customer=small, kind=EntryKind.BONUS, points=10, key=f"b:{n}", reason="bench")
    account = account_for(big)
    now = timezone.now()
    PointsEntry.objects.bulk_create(
        [
            PointsEntry(
                store=store,
                account=account,
                kind=EntryKind.BONUS,
                points=10,
                available_delta=10,
                key=f"b:{n}",
                reason="bench",
                created_at=now,
            )
            for n in range(10_000)
        ],
        batch_size=2000,
    )
    Account.objects.filter(pk=account.pk).update(available=100_000, last_activity_at=now)
    bonus_give(customer=spender, kind=EntryKind.BONUS, points=reward.points * redemptions, key="grant", reason="x")
    return store, reward, small, big, spender


def time_reads(customers, reads: int, read) -> list[float]:
    """Seconds per read for each customer: the best of ROUNDS alternating rounds (on a shared
    machine the best round is the one least disturbed by other work, for both alike)."""
    per: list[list[float]] = [[] for _ in customers]
    n = max(1, reads // ROUNDS)
    for _ in range(ROUNDS):
        for i, customer in enumerate(customers):
            with Stopwatch() as clock:
                for _ in range(n):
                    read(customer)
            per[i].append(clock.seconds / n)
    return [min(p) for p in per]


def contend(threads: int, work) -> tuple[float, int]:
    """(seconds, successes) of `threads` threads each calling `work()` until it returns False."""
    start = threading.Barrier(threads + 1)
    counts = [0] * threads

    def run(i: int) -> None:
        start.wait()
        while work():
            counts[i] += 1

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    began = time.perf_counter()
    start.wait()
    for t in pool:
        t.join()
    return time.perf_counter() - began, sum(counts)


def run_ours(reward, spender, threads: int) -> tuple[float, int]:
    from django.db import connection

    from loyalty.services import reward_redeem
    from postpurchase.exceptions import DomainError

    def work() -> bool:
        try:
            reward_redeem(customer=spender, reward=reward)
        except DomainError:
            connection.close()  # this thread's connection back to the pool
            return False
        return True

    return contend(threads, work)


def grant(account_id: int, points: int) -> None:
    with raw_connect(autocommit=True) as conn:
        conn.execute("UPDATE loyalty_account SET available = %s WHERE id = %s", (points, account_id))


def run_bare(account_id: int, cost: int, threads: int) -> tuple[float, int]:
    conns = [raw_connect(autocommit=True) for _ in range(threads)]
    it = iter(conns)
    local = threading.local()

    def work() -> bool:
        if not hasattr(local, "conn"):
            local.conn = next(it)
        cur = local.conn.execute(
            "UPDATE loyalty_account SET available = available - %s WHERE id = %s AND available >= %s",
            (cost, account_id, cost),
        )
        return cur.rowcount == 1

    try:
        return contend(threads, work)
    finally:
        for c in conns:
            c.close()


def run_floor(store_id: int, account_id: int, cost: int, threads: int) -> tuple[float, int]:
    conns = [raw_connect() for _ in range(threads)]
    it = iter(conns)
    local = threading.local()

    def work() -> bool:
        if not hasattr(local, "conn"):
            local.conn = next(it)
        conn = local.conn
        with conn.transaction():
            (available,) = conn.execute(
                "SELECT available FROM loyalty_account WHERE id = %s FOR UPDATE", (account_id,)
            ).fetchone()
            if available < cost:
                return False
            code = "RAW-" + secrets.token_hex(6).upper()
            conn.execute(
                "INSERT INTO orders_discountcode (store_id, code, purpose, value_type, amount, currency, "
                "usage_limit, times_used, provider, provider_ref, created_at, updated_at) "
                "VALUES (%s, %s, 'loyalty_reward', 'amount', 5, 'EUR', 1, 0, 'builtin', '', now(), now())",
                (store_id, code),
            )
            conn.execute(
                "INSERT INTO loyalty_pointsentry (store_id, account_id, kind, points, pending_delta, available_delta, "
                "debt_delta, source, source_ref, reason, key, created_at) "
                "VALUES (%s, %s, 'redeem', %s, 0, %s, 0, 'reward', %s, 'raw', %s, now())",
                (store_id, account_id, -cost, -cost, code, "raw:" + code),
            )
            conn.execute(
                "UPDATE loyalty_account SET available = available - %s, last_activity_at = now() WHERE id = %s",
                (cost, account_id),
            )
        return True

    try:
        return contend(threads, work)
    finally:
        for c in conns:
            c.close()


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--reads", type=int, default=2000, help="Balance reads per member.")
    parser.add_argument("--threads", type=int, default=8, help="Threads redeeming at once.")
    parser.add_argument("--redemptions", type=int, default=1000, help="Redemptions the balance allows.")
    args = parse_with_keep(parser)
    cfg = scratch_config("postgres://postgres@127.0.0.1:5432/bench_loyalty")
    if cfg is None:
        return 2
    import os

    with scratch_database(cfg, cfg["NAME"], keep=args.keep):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postpurchase.settings.test")
        setup_django()
        measure(args)
    return 0


def measure(args) -> None:
    from django.core.management import call_command
    from django.db.models import Sum

    from loyalty.models import Account, PointsEntry
    from loyalty.services import balance

    call_command("migrate", verbosity=0)
    store, reward, small, big, spender = setup(args.redemptions)

    ours = time_reads([small, big], args.reads, balance)
    summed = time_reads(
        [small, big], args.reads, lambda c: PointsEntry.objects.filter(account__customer=c).aggregate(Sum("points"))
    )
    print(f"balance read (Account row):  10 entries {ours[0] * 1e6:7.0f} µs   10,000 entries {ours[1] * 1e6:7.0f} µs")
    print(f"  ratio 10,000/10: {ours[1] / ours[0]:.3f}  (target <= 1.05)")
    print(
        f"ledger SUM, for contrast:     10 entries {summed[0] * 1e6:7.0f} µs   10,000 entries {summed[1] * 1e6:7.0f} µs"
    )
    print(f"  ratio 10,000/10: {summed[1] / summed[0]:.1f}")

    account = Account.objects.get(customer=spender)
    seconds, done = run_ours(reward, spender, args.threads)
    account.refresh_from_db()
    ledger = PointsEntry.objects.filter(account=account).aggregate(s=Sum("available_delta"))["s"]
    ok = done == args.redemptions and account.available == 0 and ledger == 0
    ours_rate = done / seconds
    print(f"\nredemptions, {args.threads} threads on one balance for {args.redemptions}:")
    print(f"  ours (reward_redeem):       {done:5d} in {seconds:6.2f}s  {ours_rate:8.0f}/s   guarantee held: {ok}")

    cost = reward.points
    grant(account.pk, cost * args.redemptions)
    seconds, done_bare = run_bare(account.pk, cost, args.threads)
    bare_rate = done_bare / seconds
    print(f"  bare UPDATE … WHERE >= n:   {done_bare:5d} in {seconds:6.2f}s  {bare_rate:8.0f}/s")
    grant(account.pk, cost * args.redemptions)
    seconds, done_floor = run_floor(store.pk, account.pk, cost, args.threads)
    floor_rate = done_floor / seconds
    print(f"  floor (lock+code+entry):    {done_floor:5d} in {seconds:6.2f}s  {floor_rate:8.0f}/s")
    print(f"  ratio ours/bare:  {ours_rate / bare_rate:.2f}")
    print(f"  ratio ours/floor: {ours_rate / floor_rate:.2f}")
    if not ok or done_bare != args.redemptions or done_floor != args.redemptions:
        print("GUARANTEE BROKEN: a run let through a different number of redemptions than the balance allows")


if __name__ == "__main__":
    raise SystemExit(main())
