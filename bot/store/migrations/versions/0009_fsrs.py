"""FSRS review cards and review logs: SM-2 cards are converted by replaying their attempts.

Upgrade: each existing card's stored answers (``quizattempt`` for that member and
item, oldest first) are replayed through FSRS as pass/fail ratings, giving the
card's FSRS state and one ``reviewlog`` row per answer. Downgrade replays the same
answers through SM-2 as prepbot applied it (review answers move the card, misses
elsewhere create or lapse it), so going back loses nothing either.

The replay rules are written out here, not imported from ``bot``: a migration
must keep doing what it did when the code around it changes.

Revision ID: 0009_fsrs
Revises: 0008
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_fsrs"
down_revision = "0008"
branch_labels = None
depends_on = None

TIME = sqlmodel.sql.sqltypes.UTCDateTime
STEP = dt.timedelta(minutes=10)

cards = sa.table(
    "reviewcard",
    sa.column("id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("space_id", sa.Integer),
    sa.column("item_id", sa.String),
    sa.column("state", sa.Integer),
    sa.column("step", sa.Integer),
    sa.column("stability", sa.Float),
    sa.column("difficulty", sa.Float),
    sa.column("last_review", TIME),
    sa.column("lapses", sa.Integer),
    sa.column("reps", sa.Integer),
    sa.column("ease", sa.Float),
    sa.column("interval_days", sa.Integer),
    sa.column("repetitions", sa.Integer),
    sa.column("due_at", TIME),
)
attempts = sa.table(
    "quizattempt",
    sa.column("id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("item_id", sa.String),
    sa.column("mode", sa.String),
    sa.column("token", sa.String),
    sa.column("correct", sa.Boolean),
    sa.column("created_at", TIME),
)
logs = sa.table(
    "reviewlog",
    sa.column("space_id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("item_id", sa.String),
    sa.column("rating", sa.Integer),
    sa.column("mode", sa.String),
    sa.column("token", sa.String),
    sa.column("reviewed_at", TIME),
)


def _answers(conn: sa.Connection, member_id: int, item_id: str) -> list[sa.Row]:
    stmt = (
        sa.select(attempts.c.mode, attempts.c.token, attempts.c.correct, attempts.c.created_at)
        .where(attempts.c.member_id == member_id, attempts.c.item_id == item_id)
        .order_by(attempts.c.created_at, attempts.c.id)
    )
    return list(conn.execute(stmt).all())


def upgrade() -> None:
    op.create_table(
        "reviewlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("reviewed_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id", "token", name="uq_reviewlog_member_token"),
    )
    with op.batch_alter_table("reviewlog", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviewlog_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviewlog_space_id"), ["space_id"], unique=False)
    with op.batch_alter_table("reviewcard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("difficulty", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("last_review", TIME(), nullable=True))
        batch_op.add_column(sa.Column("reps", sa.Integer(), nullable=False, server_default="0"))
    _replay_fsrs(op.get_bind())
    with op.batch_alter_table("reviewcard", schema=None) as batch_op:
        batch_op.drop_column("repetitions")
        batch_op.drop_column("interval_days")
        batch_op.drop_column("ease")


def _replay_fsrs(conn: sa.Connection) -> None:
    from fsrs import Card, Rating, Scheduler, State

    scheduler = Scheduler(learning_steps=(STEP,), relearning_steps=(STEP,), enable_fuzzing=False)
    rows = conn.execute(sa.select(cards.c.id, cards.c.space_id, cards.c.member_id, cards.c.item_id)).all()
    for card_id, space_id, member_id, item_id in rows:
        answers = _answers(conn, member_id, item_id)
        if not answers:
            continue  # nothing to replay: the card stays new, due when it was
        card, lapses = Card(card_id=1, due=answers[0].created_at.astimezone(dt.UTC)), 0
        for mode, token, correct, at in answers:
            if not correct and (card.last_review is None or card.state == State.Review):
                lapses += 1  # as bot.memory counts them: a first miss, or forgetting a learned card
            rating = Rating.Good if correct else Rating.Again
            card, _ = scheduler.review_card(card, rating, at.astimezone(dt.UTC))
            conn.execute(
                logs.insert().values(
                    space_id=space_id,
                    member_id=member_id,
                    item_id=item_id,
                    rating=int(rating),
                    mode=mode,
                    token=token,
                    reviewed_at=at,
                )
            )
        conn.execute(
            cards.update()
            .where(cards.c.id == card_id)
            .values(
                state=int(card.state),
                step=card.step,
                stability=card.stability,
                difficulty=card.difficulty,
                last_review=card.last_review,
                due_at=card.due,
                lapses=lapses,
                reps=len(answers),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("reviewcard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ease", sa.Float(), nullable=False, server_default="2.5"))
        batch_op.add_column(sa.Column("interval_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("repetitions", sa.Integer(), nullable=False, server_default="0"))
    _replay_sm2(op.get_bind())
    with op.batch_alter_table("reviewcard", schema=None) as batch_op:
        batch_op.drop_column("reps")
        batch_op.drop_column("last_review")
        batch_op.drop_column("difficulty")
        batch_op.drop_column("stability")
        batch_op.drop_column("step")
        batch_op.drop_column("state")
    with op.batch_alter_table("reviewlog", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewlog_space_id"))
        batch_op.drop_index(batch_op.f("ix_reviewlog_member_id"))
    op.drop_table("reviewlog")


def _sm2(state: tuple[float, int, int, int, dt.datetime], correct: bool, now: dt.datetime) -> tuple:
    """SuperMemo-2 as bot/quiz.py ran it before FSRS: grade 4 for right, 1 for wrong."""
    ease, interval, reps, lapses, _ = state
    q = 4 if correct else 1
    ease = max(1.3, ease + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
    if not correct:
        return (ease, 1, 0, lapses + 1, now + dt.timedelta(days=1))
    interval = 1 if reps == 0 else 6 if reps == 1 else max(interval + 1, round(interval * ease))
    return (ease, interval, reps + 1, lapses, now + dt.timedelta(days=interval))


def _replay_sm2(conn: sa.Connection) -> None:
    for card_id, member_id, item_id in conn.execute(
        sa.select(cards.c.id, cards.c.member_id, cards.c.item_id)
    ).all():
        state = None
        for mode, _token, correct, at in _answers(conn, member_id, item_id):
            if mode == "review":
                state = _sm2(state or (2.5, 0, 0, 0, at), correct, at)
            elif not correct:
                state = (2.5, 0, 0, 1, at + STEP) if state is None else _sm2(state, False, at)
        if state is None:
            continue
        ease, interval, reps, lapses, due = state
        conn.execute(
            cards.update()
            .where(cards.c.id == card_id)
            .values(ease=ease, interval_days=interval, repetitions=reps, lapses=lapses, due_at=due)
        )
