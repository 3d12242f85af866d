"""Predicting BIO tags and relation types for raw documents with a saved model."""

import logging

import torch

from nerel_mtl.dataset import collate, encode_document, make_batches, make_featurizer
from nerel_mtl.windows import merge_windows

logger = logging.getLogger(__name__)

DEFAULT_BATCH_WORDS = 4000


@torch.inference_mode()
def predict_encoded(model, docs: list[dict], encoder: str, batch_words: int = DEFAULT_BATCH_WORDS):
    """Run `model` on encoded documents (see dataset.encode_document).

    Returns, per document in input order, (label id per word, CLS probabilities as a list).
    A word no window covers gets label id 0 ("O").
    """
    model.eval()
    results = [None] * len(docs)
    for indices in make_batches(docs, batch_words, shuffle=False):
        batch_docs = [docs[index] for index in indices]
        batch = collate(batch_docs, encoder)
        labels, probabilities = model.predict(batch)
        window_docs = batch["window_doc"].tolist()
        words = batch["word_index"].masked_fill(~batch["first"], -1).tolist()
        labels = labels.tolist()
        for position, index in enumerate(indices):
            rows = [row for row, doc in enumerate(window_docs) if doc == position]
            tags = merge_windows(docs[index]["size"], [words[row] for row in rows],
                                 [labels[row] for row in rows], default=0)
            results[index] = (tags, probabilities[position].tolist())
    return results


class Predictor:
    def __init__(self, model, config: dict, featurizer):
        self.model = model
        self.config = config
        self.featurizer = featurizer
        self.ner_labels = config["ner_labels"]
        self.cls_labels = config["cls_labels"]
        self.thresholds = config["thresholds"]

    def predict(self, docs, batch_words: int = DEFAULT_BATCH_WORDS) -> list[dict]:
        """Predict each doc {"text", optional "words" [[start, stop], ...]}; words default to
        razdel tokens. Returns per doc {"words", "tags", "cls_scores", "cls_labels"}."""
        encoded = [encode_document(self.featurizer, {"text": doc["text"], "words": doc.get("words")})
                   for doc in docs]
        outputs = []
        for doc, (tag_ids, scores) in zip(encoded, predict_encoded(self.model, encoded,
                                                                   self.config["model"]["encoder"],
                                                                   batch_words)):
            outputs.append({
                "words": [list(word) for word in doc["words"]],
                "tags": [self.ner_labels[tag_id] for tag_id in tag_ids],
                "cls_scores": scores,
                "cls_labels": sorted(label for label, score, threshold in
                                     zip(self.cls_labels, scores, self.thresholds) if score >= threshold),
            })
        return outputs


def load_predictor(model_dir, threads: int | None = None) -> Predictor:
    from nerel_mtl.checkpoint import load_model

    if threads:
        torch.set_num_threads(threads)
    model, config = load_model(model_dir)
    return Predictor(model, config, make_featurizer(config, model_dir))
