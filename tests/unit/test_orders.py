from __future__ import annotations

import itertools

import pytest

from bot.domain.orders import ALLOWED_TRANSITIONS, InvalidTransition, OrderStatus, check_transition

S = OrderStatus
ALLOWED = {
    (S.CART, S.CHECKOUT),
    (S.CART, S.CANCELLED),
    (S.CART, S.EXPIRED),
    (S.CHECKOUT, S.CART),
    (S.CHECKOUT, S.AWAITING_PAYMENT),
    (S.CHECKOUT, S.CANCELLED),
    (S.CHECKOUT, S.EXPIRED),
    (S.AWAITING_PAYMENT, S.PAID),
    (S.AWAITING_PAYMENT, S.CANCELLED),
    (S.AWAITING_PAYMENT, S.EXPIRED),
    (S.PAID, S.SHIPPED),
    (S.PAID, S.REFUNDED),
    (S.SHIPPED, S.REFUNDED),
}


@pytest.mark.parametrize(("old", "new"), sorted(ALLOWED))
def test_allowed_transitions_pass(old: OrderStatus, new: OrderStatus) -> None:
    check_transition(old, new)


@pytest.mark.parametrize(("old", "new"), sorted(pair for pair in itertools.product(S, S) if pair not in ALLOWED))
def test_every_other_transition_is_refused(old: OrderStatus, new: OrderStatus) -> None:
    with pytest.raises(InvalidTransition) as refused:
        check_transition(old, new)
    assert (refused.value.old, refused.value.new) == (old, new)


def test_every_status_has_an_entry_and_final_states_lead_nowhere() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S)
    assert not ALLOWED_TRANSITIONS[S.CANCELLED] | ALLOWED_TRANSITIONS[S.EXPIRED] | ALLOWED_TRANSITIONS[S.REFUNDED]


def test_a_paid_order_cannot_go_back_to_the_cart() -> None:
    with pytest.raises(InvalidTransition, match="paid to cart"):
        check_transition(S.PAID, S.CART)
