from llmops_ls.lsp.memory import HeapTrimmer


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, pad: int) -> int:
        self.calls.append(pad)
        return 1


def test_heap_is_trimmed_once_every_so_many_lints() -> None:
    trimmer = HeapTrimmer(every=3)
    recorder = _Recorder()
    trimmer._trim = recorder
    for _ in range(7):
        trimmer.linted()
    assert recorder.calls == [0, 0]


def test_an_explicit_trim_restarts_the_count() -> None:
    trimmer = HeapTrimmer(every=3)
    recorder = _Recorder()
    trimmer._trim = recorder
    trimmer.linted()
    trimmer.linted()
    trimmer.trim()
    trimmer.linted()
    trimmer.linted()
    assert recorder.calls == [0]


def test_trimming_the_real_heap_is_harmless() -> None:
    HeapTrimmer(every=1).linted()
