import multiprocessing

from bot.instance import gone, instance_name


def _name_in_child(queue: "multiprocessing.Queue[str]") -> None:
    queue.put(instance_name())


def test_instance_name_is_stable_within_a_process_and_fits_a_claim_column() -> None:
    assert instance_name() == instance_name()
    assert len(instance_name()) <= 64


def test_a_forked_worker_gets_a_name_of_its_own() -> None:
    parent = instance_name()
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[str] = context.Queue()
    child = context.Process(target=_name_in_child, args=(queue,))
    child.start()
    child_name = queue.get(timeout=10)
    child.join(10)
    assert child_name != parent
    assert child_name.split(":")[1] == str(child.pid)


def test_a_process_of_this_host_is_gone_once_it_ended_and_one_elsewhere_is_never_known_gone() -> None:
    assert not gone(instance_name())
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[str] = context.Queue()
    child = context.Process(target=_name_in_child, args=(queue,))
    child.start()
    child_name = queue.get(timeout=10)
    child.join(10)
    assert gone(child_name)
    assert not gone(child_name.replace(child_name.split(":")[0], "another-host", 1))
