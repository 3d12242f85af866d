"""Task heads: BIO tags per position (linear, optionally with a CRF) and relation types per
document (attention and max pooling over all words of the document)."""

import torch
from torch import nn
from torchcrf import CRF

IGNORE = -100


def compact(values: torch.Tensor, mask: torch.Tensor):
    """Move the masked positions of each row to its front.

    Returns (values [rows, width, ...], valid [rows, width], index [rows, width]). The width
    is the largest number of masked positions in a row, and `index` gives the source positions.
    """
    counts = mask.sum(dim=1)
    width = int(counts.max()) if counts.numel() else 0
    # A stable sort on "not masked" puts masked positions first, in their original order.
    order = torch.sort((~mask).to(torch.int8), dim=1, stable=True).indices[:, :width]
    valid = torch.arange(width).unsqueeze(0) < counts.unsqueeze(1)
    gather_index = order.view(*order.shape, *([1] * (values.dim() - 2))).expand(-1, -1, *values.shape[2:])
    return values.gather(1, gather_index), valid, order


class TokenHead(nn.Module):
    def __init__(self, input_dim: int, num_labels: int, crf: bool):
        super().__init__()
        self.linear = nn.Linear(input_dim, num_labels)
        self.crf = CRF(num_labels, batch_first=True) if crf else None

    def loss(self, hidden: torch.Tensor, head: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean loss per labelled position (CRF negative log-likelihood or cross-entropy)."""
        mask = head & (labels != IGNORE)
        if not mask.any():
            return hidden.sum() * 0.0
        emissions = self.linear(hidden)
        if self.crf is None:
            return nn.functional.cross_entropy(emissions[mask], labels[mask])
        rows = mask.any(dim=1)
        emissions, valid, _ = compact(emissions[rows], mask[rows])
        tags, _, _ = compact(labels[rows].unsqueeze(-1), mask[rows])
        tags = tags.squeeze(-1).masked_fill(~valid, 0)
        log_likelihood = self.crf(emissions, tags, mask=valid, reduction="sum")
        return -log_likelihood / valid.sum()

    def decode(self, hidden: torch.Tensor, head: torch.Tensor) -> torch.Tensor:
        """Return the best label id per position [windows, time]; -1 where `head` is off."""
        emissions = self.linear(hidden)
        predicted = torch.full(head.shape, -1, dtype=torch.long)
        if not head.any():
            return predicted
        if self.crf is None:
            best = emissions.argmax(dim=-1)
            return torch.where(head, best, predicted)
        rows = head.any(dim=1).nonzero().squeeze(1)
        compacted, valid, order = compact(emissions[rows], head[rows])
        for row, path, positions, count in zip(rows.tolist(), self.crf.decode(compacted, mask=valid),
                                               order, valid.sum(dim=1).tolist()):
            predicted[row, positions[:count]] = torch.tensor(path, dtype=torch.long)
        return predicted


def segment_softmax(scores: torch.Tensor, segments: torch.Tensor, count: int) -> torch.Tensor:
    """Softmax of `scores` [n] or [n, k] over the rows that share a segment id in `segments` [n]."""
    index = segments.view(-1, *([1] * (scores.dim() - 1))).expand_as(scores)
    shape = (count, *scores.shape[1:])
    maximum = torch.full(shape, float("-inf")).scatter_reduce(0, index, scores, "amax")
    exp = torch.exp(scores - maximum[segments])
    total = torch.zeros(shape).index_add(0, segments, exp)
    return exp / total[segments]


def document_words(hidden: torch.Tensor, first: torch.Tensor, window_doc: torch.Tensor):
    """Return the vectors of the words that windows own [n, dim] and their document ids [n]."""
    words = hidden[first]
    docs = window_doc.unsqueeze(1).expand_as(first)[first]
    return words, docs


def max_pool(words: torch.Tensor, docs: torch.Tensor, num_docs: int) -> torch.Tensor:
    # Documents without words keep zero vectors instead of -inf from the max.
    dim = words.shape[-1]
    return torch.zeros(num_docs, dim).scatter_reduce(
        0, docs.unsqueeze(-1).expand(-1, dim), words, "amax", include_self=False)


class DocumentHead(nn.Module):
    """Attention pooling concatenated with max pooling over a document's words, then one
    logit per relation type."""

    def __init__(self, input_dim: int, num_labels: int, dropout: float):
        super().__init__()
        self.attention = nn.Linear(input_dim, 1)
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(2 * input_dim, num_labels)

    def forward(self, hidden: torch.Tensor, first: torch.Tensor, window_doc: torch.Tensor,
                num_docs: int) -> torch.Tensor:
        words, docs = document_words(hidden, first, window_doc)
        weights = segment_softmax(self.attention(words).squeeze(-1), docs, num_docs)
        attended = torch.zeros(num_docs, words.shape[-1]).index_add(0, docs, weights.unsqueeze(-1) * words)
        return self.linear(self.dropout(torch.cat([attended, max_pool(words, docs, num_docs)], dim=-1)))


class LabelAttentionHead(nn.Module):
    """One attention distribution per relation type over a document's words, so each type
    reads the words that signal it, plus a max-pooled view shared by all types.

    The logit of type l is sum_i a_il * (u_l . h_i + b_l) + max-pool term, which equals
    u_l . (sum_i a_il h_i) + b_l without building a [words, types, dim] tensor.
    """

    def __init__(self, input_dim: int, num_labels: int, dropout: float):
        super().__init__()
        self.attention = nn.Linear(input_dim, num_labels)
        self.label_output = nn.Linear(input_dim, num_labels)
        self.dropout = nn.Dropout(dropout)
        self.max_output = nn.Linear(input_dim, num_labels)

    def forward(self, hidden: torch.Tensor, first: torch.Tensor, window_doc: torch.Tensor,
                num_docs: int) -> torch.Tensor:
        words, docs = document_words(hidden, first, window_doc)
        words = self.dropout(words)
        weights = segment_softmax(self.attention(words), docs, num_docs)
        per_label = torch.zeros(num_docs, weights.shape[1]).index_add(
            0, docs, weights * self.label_output(words))
        return per_label + self.max_output(self.dropout(max_pool(words, docs, num_docs)))


DOCUMENT_HEADS = {"attention_max": DocumentHead, "label_attention": LabelAttentionHead}
