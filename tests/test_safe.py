from checker.safe import safe_filename


def test_plain_ids_are_kept_so_paths_stay_predictable():
    assert safe_filename("B001") == "B001"
    assert safe_filename("91350400-X.1") == "91350400-X.1"


def test_ids_that_could_escape_the_folder_are_rewritten():
    for hostile in ("../etc/passwd", "..", ".", "/abs", "a/b", "C:\\x", ""):
        name = safe_filename(hostile)
        assert "/" not in name and "\\" not in name and name not in ("", ".", "..")


def test_chinese_ids_get_distinct_names():
    assert safe_filename("三明农商") != safe_filename("三明农行")
