from termserver.versions import sort_versions, version_key


def test_natural_order() -> None:
    assert sort_versions(["1.10", "1.9", "1.2.0"]) == ["1.2.0", "1.9", "1.10"]


def test_dated_versions_sort_by_date() -> None:
    assert sort_versions(["20240530", "20200908", "20230517"]) == [
        "20200908", "20230517", "20240530"]


def test_tilde_suffix_sorts_before_its_base() -> None:
    assert version_key("20240530~4c6bc7f") < version_key("20240530")
    assert version_key("20230622") < version_key("20240530~4c6bc7f")
    assert version_key("20240530") < version_key("20240530.1")
    assert version_key("20240530~2d6ca66") < version_key("20240530~4c6bc7f")
