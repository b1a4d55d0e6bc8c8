"""Property tests of the order status machine."""

from hypothesis import given
from hypothesis import strategies as st

from app.schemas import OrderStatus
from app.services import ALLOWED, can_transition

statuses = st.sampled_from(list(OrderStatus))


@given(statuses)
def test_no_status_moves_to_itself(status: OrderStatus) -> None:
    assert not can_transition(status, status)


@given(statuses, statuses)
def test_final_states_are_final(current: OrderStatus, target: OrderStatus) -> None:
    if not ALLOWED[current]:
        assert not can_transition(current, target)


@given(st.lists(statuses, max_size=10))
def test_no_path_leaves_cancelled(path: list[OrderStatus]) -> None:
    state = OrderStatus.CANCELLED
    for target in path:
        if can_transition(state, target):
            state = target
    assert state is OrderStatus.CANCELLED
