import numpy as np
import pytest
import torch

from nerel_mtl.dataset import NavecFeaturizer, collate
from nerel_mtl.model import build_model
from nerel_mtl.model.tagger import SlovnetTagger, slovnet_morph_tagger
from nerel_mtl.slovnet_models import load_slovnet_morph, load_slovnet_ner, slovnet_shape_id
from nerel_mtl.vocab import UNK, load_navec

WORDS = "Владимир Путин встретился в Москве с главой Газпрома Алексеем Миллером .".split()


@pytest.fixture(scope="module")
def navec():
    return load_navec()


def slovnet_config(word_dim: int) -> dict:
    return {
        "model": {"encoder": "navec", "char_dim": 8, "char_filters": 16, "shape_dim": 4,
                  "hidden_size": 16, "num_layers": 1, "dropout": 0.0, "crf": True,
                  "freeze_embeddings": True, "slovnet_features": True},
        "loss": {"weighting": "uncertainty", "log_var_min": -4.0, "log_var_max": 4.0},
        "num_words": 50, "word_dim": word_dim, "num_chars": 10,
        "ner_labels": ["O", "B-PERSON", "I-PERSON"], "cls_labels": ["WORKS_AS"],
    }


def navec_vectors(navec, words):
    return torch.tensor(np.stack([navec.get(word.lower(), navec[UNK]) for word in words]))


def test_tag_scores_match_slovnet(navec):
    record, _ = load_slovnet_ner()
    slovnet = record.inject_navec(navec)
    word_ids = np.array([[navec.vocab.word_ids.get(word.lower(), navec.vocab.unk_id) for word in WORDS]])
    shape_ids = np.array([[slovnet_shape_id(word) for word in WORDS]])
    expected = slovnet(word_ids, shape_ids, np.zeros_like(word_ids, dtype=bool))

    tagger = SlovnetTagger()
    output = tagger(navec_vectors(navec, WORDS)[None], torch.tensor(shape_ids), torch.tensor([len(WORDS)]))

    assert output.shape == (1, len(WORDS), tagger.dim)
    probabilities = torch.softmax(torch.tensor(expected[0]), dim=-1).numpy()
    np.testing.assert_allclose(output[0, :, -8:].detach().numpy(), probabilities, atol=1e-5)
    # Scores order: <pad>, O, B-PER, I-PER, B-LOC, I-LOC, B-ORG, I-ORG.
    best = output[0, :, -8:].argmax(-1).tolist()
    for word, tag_ids in [("Путин", (2, 3)), ("Москве", (4, 5)), ("Газпрома", (6, 7)), ("встретился", (1,))]:
        assert best[WORDS.index(word)] in tag_ids, word


def test_padding_does_not_change_real_words(navec):
    tagger = SlovnetTagger()
    short = WORDS[:5]
    vectors = torch.zeros(2, len(WORDS), tagger.word_dim)
    vectors[0] = navec_vectors(navec, WORDS)
    vectors[1, :5] = navec_vectors(navec, short)
    shape_ids = torch.zeros(2, len(WORDS), dtype=torch.long)
    shape_ids[0] = torch.tensor([slovnet_shape_id(word) for word in WORDS])
    shape_ids[1, :5] = torch.tensor([slovnet_shape_id(word) for word in short])
    # Garbage in the padding of row 1 must not leak into its real words.
    vectors[1, 5:] = 3.0

    batched = tagger(vectors, shape_ids, torch.tensor([len(WORDS), 5]))
    alone = tagger(navec_vectors(navec, short)[None], shape_ids[1:, :5], torch.tensor([5]))

    torch.testing.assert_close(batched[1, :5], alone[0])


def test_tagger_is_frozen():
    tagger = SlovnetTagger()
    assert not any(parameter.requires_grad for parameter in tagger.parameters())


def test_shape_ids_follow_slovnet():
    _, shapes = load_slovnet_ner()
    assert slovnet_shape_id("Москве") == shapes.encode("RU_Xx")
    assert slovnet_shape_id("ООН") == shapes.encode("RU_XX")
    assert slovnet_shape_id("2024") == shapes.encode("NUM")
    assert slovnet_shape_id("Москве") != slovnet_shape_id("москве")


def test_featurizer_and_batch_carry_slovnet_shapes():
    from nerel_mtl.vocab import PAD, Vocab

    vocab = Vocab([PAD, UNK, "москва"], [PAD, UNK, "М"])
    text = "Москва ждёт"
    windows = NavecFeaturizer(vocab, 8).windows(text, [[0, 6], [7, 11]], ["B-CITY", "O"],
                                                {"O": 0, "B-CITY": 1})
    assert windows[0]["slovnet_shape_ids"] == [slovnet_shape_id("Москва"), slovnet_shape_id("ждёт")]
    batch = collate([{"windows": windows}], "navec")
    assert batch["slovnet_shape_ids"].tolist() == [windows[0]["slovnet_shape_ids"]]


def test_slovnet_model_trains_own_weights():
    from nerel_mtl.model import build_model

    torch.manual_seed(0)
    model = build_model(slovnet_config(word_dim=300))
    assert model.encoder.layers[0].forward_lstm.input_size == 300 + 16 + 4 + model.encoder.tagger.dim

    lengths = torch.tensor([4, 2])
    valid = torch.arange(4).unsqueeze(0) < lengths.unsqueeze(1)
    batch = {"word_ids": torch.randint(2, 50, (2, 4)) * valid, "char_ids": torch.randint(1, 10, (2, 4, 3)),
             "shape_ids": torch.ones(2, 4, dtype=torch.long), "slovnet_shape_ids": torch.ones(2, 4, dtype=torch.long),
             "lengths": lengths, "labels": torch.tensor([[1, 2, 0, 0], [0, 0, -100, -100]]),
             "head": valid, "first": valid, "window_doc": torch.tensor([0, 1]), "num_docs": 2,
             "cls": torch.tensor([[1.0], [0.0]])}
    model.losses(batch)["total"].backward()

    assert model.encoder.layers[0].forward_lstm.weight_ih_l0.grad is not None
    assert all(parameter.grad is None for parameter in model.encoder.tagger.parameters())


def test_slovnet_features_need_300_dimensional_vectors():
    from nerel_mtl.model import build_model

    with pytest.raises(ValueError, match="300-dimensional"):
        build_model(slovnet_config(word_dim=50))


def test_morph_features_match_slovnet(navec):
    record, _ = load_slovnet_morph()
    slovnet = record.inject_navec(navec)
    word_ids = np.array([[navec.vocab.word_ids.get(word.lower(), navec.vocab.unk_id) for word in WORDS]])
    shape_ids = np.array([[slovnet_shape_id(word) for word in WORDS]])
    pad_mask = np.zeros_like(word_ids, dtype=bool)
    expected = slovnet.encoder(slovnet.emb(word_ids, shape_ids), pad_mask)
    expected_tags = slovnet.head(expected).argmax(-1)

    morph = slovnet_morph_tagger()
    output = morph(navec_vectors(navec, WORDS)[None], torch.tensor(shape_ids), torch.tensor([len(WORDS)]))

    assert morph.dim == 64
    assert output.shape == (1, len(WORDS), 64)
    np.testing.assert_allclose(output.detach().numpy(), expected, atol=1e-5)
    proj = record.head.proj
    tags = (output[0].detach().numpy() @ proj.weight.array + proj.bias.array).argmax(-1)
    assert tags.tolist() == expected_tags[0].tolist()
    assert not any(parameter.requires_grad for parameter in morph.parameters())


def test_build_model_adds_morph_features():
    config = slovnet_config(300)
    config["model"]["slovnet_morph"] = True
    model = build_model(config)
    # The first LSTM reads the word embedding, 64 + 8 NER tagger features and 64 morphology features.
    first = model.encoder.layers[0].forward_lstm
    assert first.input_size == model.encoder.embedding.dim + 72 + 64
