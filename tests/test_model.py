import pytest
import torch

from helpers_hf import prepare, sample_docs
from nerel_mtl.dataset import collate
from nerel_mtl.model import build_model
from nerel_mtl.model.encoder import reverse_within_length
from nerel_mtl.model.heads import LabelAttentionHead, compact, segment_softmax


def test_reverse_within_length():
    values = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]]).unsqueeze(-1)
    reversed_values = reverse_within_length(values, torch.tensor([3, 2]))
    assert reversed_values.squeeze(-1).tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]


def test_compact_moves_masked_first():
    values = torch.tensor([[10, 11, 12, 13]]).unsqueeze(-1)
    mask = torch.tensor([[False, True, False, True]])
    compacted, valid, index = compact(values, mask)
    assert compacted.squeeze(-1).tolist() == [[11, 13]]
    assert valid.tolist() == [[True, True]]
    assert index.tolist() == [[1, 3]]


def test_segment_softmax_sums_to_one():
    weights = segment_softmax(torch.tensor([1.0, 2.0, 3.0, 0.5]), torch.tensor([0, 0, 1, 1]), 2)
    assert weights[:2].sum().item() == pytest.approx(1.0)
    assert weights[2:].sum().item() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def navec_setup(tmp_path_factory):
    return prepare("navec", tmp_path_factory.mktemp("navec"), sample_docs())


def test_padding_does_not_change_outputs(navec_setup):
    config, docs, table, _ = navec_setup
    torch.manual_seed(0)
    model = build_model(config).eval()
    alone = model.predict(collate([docs[0]], "navec"))
    together = model.predict(collate([docs[0], docs[1]], "navec"))
    size = docs[0]["size"]
    assert alone[0][0, :size].tolist() == together[0][0, :size].tolist()
    assert torch.allclose(alone[1][0], together[1][0], atol=1e-5)


def test_attention_layers_ignore_padding(navec_setup):
    config, docs, _, _ = navec_setup
    config = {**config, "model": {**config["model"], "attention_layers": 2, "attention_heads": 4}}
    torch.manual_seed(0)
    model = build_model(config).eval()
    assert len(model.encoder.attention) == 2
    alone = model(collate([docs[0]], "navec"))[0]
    together = model(collate([docs[0], docs[1]], "navec"))[0]
    size = docs[0]["size"]
    assert torch.allclose(alone[0, :size], together[0, :size], atol=1e-5)


def test_attention_heads_must_divide_size(navec_setup):
    config, _, _, _ = navec_setup
    config = {**config, "model": {**config["model"], "attention_layers": 1, "attention_heads": 5}}
    with pytest.raises(ValueError, match="attention_heads"):
        build_model(config)


def test_empty_doc_predicts(navec_setup):
    config, docs, _, _ = navec_setup
    model = build_model(config).eval()
    tags, probabilities = model.predict(collate([docs[4], docs[3]], "navec"))
    assert docs[4]["windows"] == []
    assert probabilities.shape == (2, len(config["cls_labels"]))
    assert torch.isfinite(probabilities).all()


def test_losses_finite_with_empty_doc(navec_setup):
    config, docs, _, _ = navec_setup
    model = build_model(config)
    losses = model.losses(collate(docs, "navec"))
    assert torch.isfinite(losses["total"])
    losses["total"].backward()
    assert model.loss_weighting.log_vars.grad is not None


def test_crf_off_uses_cross_entropy(navec_setup):
    config, docs, _, _ = navec_setup
    config = {**config, "model": {**config["model"], "crf": False}}
    model = build_model(config)
    assert model.token_head.crf is None
    assert torch.isfinite(model.losses(collate(docs, "navec"))["ner"])


def test_segment_softmax_per_column():
    scores = torch.tensor([[1.0, 0.0], [2.0, 5.0], [3.0, 1.0]])
    weights = segment_softmax(scores, torch.tensor([0, 0, 1]), 2)
    assert torch.allclose(weights[:2].sum(dim=0), torch.ones(2))
    assert torch.allclose(weights[2], torch.ones(2))


def test_label_attention_matches_explicit_sum():
    torch.manual_seed(0)
    head = LabelAttentionHead(input_dim=4, num_labels=3, dropout=0.0).eval()
    hidden = torch.randn(2, 5, 4)
    first = torch.tensor([[True, True, True, False, False], [True, True, False, False, False]])
    window_doc = torch.tensor([0, 1])

    logits = head(hidden, first, window_doc, num_docs=2)

    words = hidden[0, :3]
    weights = torch.softmax(head.attention(words), dim=0)
    attended = weights.T @ words
    expected = (attended * head.label_output.weight).sum(dim=1) + head.label_output.bias
    expected = expected + head.max_output(words.max(dim=0).values)
    assert logits.shape == (2, 3)
    assert torch.allclose(logits[0], expected, atol=1e-5)


def test_label_attention_model_trains(navec_setup):
    config, docs, _, _ = navec_setup
    config = {**config, "model": {**config["model"], "document_head": "label_attention"}}
    model = build_model(config)
    losses = model.losses(collate(docs, "navec"))
    losses["total"].backward()
    assert isinstance(model.document_head, LabelAttentionHead)
    assert model.document_head.attention.weight.grad.abs().sum() > 0
