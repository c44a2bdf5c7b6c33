"""Writing items: plain validation, a new version per change, the review rules, categories."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.bank import authoring, categories, review
from exam_app.bank.authoring import InvalidDraft, ItemDraft
from exam_app.bank.models import Item, ItemStatus, Level
from exam_app.bank.parsed import ItemType
from exam_app.errors import DomainError

SINGLE = ItemDraft(
    type=ItemType.SINGLE,
    stem="客户投诉应在（ ）个工作日内答复。",
    options=("3", "5", "7", "10"),
    correct=frozenset({1}),
    level=Level.SENIOR,
)


@pytest.fixture
def trainers(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.TRAINER, name="甲"), make_user(Role.TRAINER, name="乙")


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (ItemDraft(type=ItemType.SINGLE, stem="题干", options=("甲", "乙")), "请标出正确答案"),
        (
            ItemDraft(
                type=ItemType.SINGLE, stem="题干", options=("甲", "乙"), correct=frozenset({0, 1})
            ),
            "单选题只能有一个正确答案",
        ),
        (
            ItemDraft(
                type=ItemType.MULTIPLE,
                stem="题干",
                options=("甲", "乙", "丙"),
                correct=frozenset({2}),
            ),
            "多选题至少要有两个正确答案",
        ),
        (
            ItemDraft(type=ItemType.SINGLE, stem="题干", options=("甲",), correct=frozenset({0})),
            "至少需要两个选项",
        ),
        (
            ItemDraft(
                type=ItemType.SINGLE, stem="   ", options=("甲", "乙"), correct=frozenset({0})
            ),
            "请填写题干",
        ),
        (
            ItemDraft(type=ItemType.JUDGE, stem="题干", options=("甲", "乙"), judge_true=True),
            "判断题不需要选项",
        ),
        (ItemDraft(type=ItemType.JUDGE, stem="题干"), "是“正确”还是“错误”"),
        (
            ItemDraft(
                type=ItemType.SINGLE, stem="题干", options=("甲", "", "丙"), correct=frozenset({0})
            ),
            "有空白选项",
        ),
    ],
)
def test_broken_drafts_are_refused_in_plain_words(db_session, draft, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidDraft) as refused:
        authoring.create_item(db_session, draft, user_id=None)  # type: ignore[arg-type]
    assert any(message in p for p in refused.value.problems), refused.value.problems


def test_same_question_twice_is_refused_even_with_options_reordered(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    first = authoring.create_item(db_session, SINGLE, trainers[0].id).item
    reordered = ItemDraft(
        type=ItemType.SINGLE,
        stem=SINGLE.stem,
        options=("10", "7", "5", "3"),
        correct=frozenset({2}),
    )
    with pytest.raises(InvalidDraft, match=f"#{first.id}"):
        authoring.create_item(db_session, reordered, trainers[1].id)


def test_each_content_change_is_a_new_version_and_old_ones_stay(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    item = authoring.create_item(db_session, SINGLE, trainers[0].id).item
    v1 = item.current
    changed = ItemDraft(**{**SINGLE.__dict__, "options": ("3", "5", "7", "15")})
    result = authoring.edit_item(db_session, item, changed, trainers[1].id)
    assert result.version is not None and result.version.number == 2
    assert [v.number for v in item.versions] == [1, 2]
    assert v1.options[3]["text"] == "10" and item.current.options[3]["text"] == "15"
    assert item.current.created_by_id == trainers[1].id
    unchanged = authoring.edit_item(db_session, item, changed, trainers[1].id)
    assert unchanged.version is None and len(item.versions) == 2


def test_category_change_alone_makes_no_version(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    item = authoring.create_item(db_session, SINGLE, trainers[0].id).item
    category, _ = categories.ensure_category(db_session, "供电服务规范/投诉与客户诉求")
    moved = ItemDraft(**{**SINGLE.__dict__, "category_id": category.id})
    assert authoring.edit_item(db_session, item, moved, trainers[0].id).version is None
    assert item.category is category and [e.kind for e in item.events][-1] == "recategorize"


def test_review_needs_a_second_trainer(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    author, reviewer = trainers
    item = authoring.create_item(db_session, SINGLE, author.id).item
    with pytest.raises(review.ReviewRefused):
        review.approve(db_session, item, reviewer.id)  # not submitted yet
    review.submit(db_session, item, author.id)
    with pytest.raises(review.ReviewRefused, match="须由另一位培训师审核"):
        review.approve(db_session, item, author.id)
    review.approve(db_session, item, reviewer.id)
    assert item.status == ItemStatus.PUBLISHED
    assert [(e.kind, e.actor_id) for e in item.events] == [
        ("create", author.id),
        ("submit", author.id),
        ("approve", reviewer.id),
    ]


def test_send_back_needs_a_reason_and_returns_to_draft(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    author, reviewer = trainers
    item = authoring.create_item(db_session, SINGLE, author.id).item
    review.submit(db_session, item, author.id)
    with pytest.raises(review.ReviewRefused, match="写明原因"):
        review.send_back(db_session, item, reviewer.id, "  ")
    review.send_back(db_session, item, reviewer.id, "选项 D 不合理")
    assert item.status == ItemStatus.DRAFT and item.events[-1].comment == "选项 D 不合理"


def test_editing_a_published_item_sends_it_back_to_review(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    author, reviewer = trainers
    item = authoring.create_item(db_session, SINGLE, author.id).item
    review.submit(db_session, item, author.id)
    review.approve(db_session, item, reviewer.id)
    reworded = ItemDraft(**{**SINGLE.__dict__, "stem": "客户投诉的答复时限为（ ）个工作日。"})
    result = authoring.edit_item(db_session, item, reworded, reviewer.id)
    assert item.status == ItemStatus.DRAFT and result.warnings
    review.submit(db_session, item, reviewer.id)
    with pytest.raises(review.ReviewRefused):  # the reviewer wrote v2: the author may approve
        review.approve(db_session, item, reviewer.id)
    review.approve(db_session, item, author.id)


def test_retired_items_cannot_be_edited_until_restored(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    item = authoring.create_item(db_session, SINGLE, trainers[0].id).item
    review.retire(db_session, item, trainers[0].id)
    with pytest.raises(DomainError, match="先恢复"):
        authoring.edit_item(db_session, item, SINGLE, trainers[0].id)
    review.restore(db_session, item, trainers[0].id)
    assert item.status == ItemStatus.DRAFT


def test_bulk_plan_counts_and_explains_without_changing(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    author, reviewer = trainers
    mine = authoring.create_item(db_session, SINGLE, author.id).item
    theirs = authoring.create_item(
        db_session, ItemDraft(**{**SINGLE.__dict__, "stem": "另一道题（ ）。"}), reviewer.id
    ).item
    for item in (mine, theirs):
        review.submit(db_session, item, item.created_by_id)
    plan = review.plan_bulk(
        [mine, theirs], review.BulkAction.APPROVE, author.id, roles={Role.TRAINER}
    )
    assert plan.eligible == [theirs] and [i for i, _ in plan.refused] == [mine]
    assert mine.status == theirs.status == ItemStatus.IN_REVIEW
    assert review.apply_bulk(db_session, plan, author.id) == 1
    assert theirs.status == ItemStatus.PUBLISHED and mine.status == ItemStatus.IN_REVIEW


def test_merging_categories_keeps_every_item(db_session, trainers) -> None:  # type: ignore[no-untyped-def]
    a, _ = categories.ensure_category(db_session, "电费/电价")
    b, _ = categories.ensure_category(db_session, "电费电价/电价")
    categories.ensure_category(db_session, "电费/抄表")
    item = authoring.create_item(
        db_session, ItemDraft(**{**SINGLE.__dict__, "category_id": a.id}), trainers[0].id
    ).item
    source = categories.find_category(db_session, "电费")
    target = categories.find_category(db_session, "电费电价")
    moved = categories.merge_category(db_session, source, target, trainers[0].id)
    assert moved == 1 and item.category.path == "电费电价/电价" and item.category is b
    assert categories.find_category(db_session, "电费电价/抄表") is not None
    assert categories.find_category(db_session, "电费") is None
    with pytest.raises(DomainError):
        categories.move_category(db_session, target, b, trainers[0].id)  # into its own child
    assert db_session.scalars(select(Item)).all() == [item]
