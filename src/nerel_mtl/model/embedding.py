"""Word features for the navec encoder: navec vectors, a character CNN and word shapes."""

import torch
from torch import nn


class CharCNN(nn.Module):
    """Max-pooled convolution over the characters of each word."""

    def __init__(self, num_chars: int, char_dim: int, filters: int, kernel_size: int = 3):
        super().__init__()
        self.embedding = nn.Embedding(num_chars, char_dim, padding_idx=0)
        self.conv = nn.Conv1d(char_dim, filters, kernel_size, padding=kernel_size // 2)
        self.dim = filters

    def forward(self, char_ids: torch.Tensor) -> torch.Tensor:
        windows, words, chars = char_ids.shape
        flat = char_ids.reshape(windows * words, chars)
        hidden = self.conv(self.embedding(flat).transpose(1, 2))
        # Padding characters must not win the max, so they get -inf before pooling.
        hidden = hidden.masked_fill((flat == 0).unsqueeze(1), float("-inf"))
        pooled = hidden.max(dim=2).values
        pooled = torch.where(torch.isinf(pooled), torch.zeros_like(pooled), pooled)
        return torch.relu(pooled).reshape(windows, words, self.dim)


class WordCorrections(nn.Module):
    """A trainable correction, zero at the start, added to the vectors of a few chosen words."""

    def __init__(self, num_words: int, num_tuned: int, word_dim: int):
        super().__init__()
        # Row 0 of `vectors` is the zero correction of every word that is not tuned.
        self.register_buffer("rows", torch.zeros(num_words, dtype=torch.long))
        self.vectors = nn.Embedding(num_tuned + 1, word_dim, padding_idx=0)
        nn.init.zeros_(self.vectors.weight)

    def select(self, word_ids: list[int]) -> None:
        if len(word_ids) > self.vectors.num_embeddings - 1:
            raise ValueError(f"{len(word_ids)} words to tune but {self.vectors.num_embeddings - 1} correction rows; "
                             "build the model with a larger model.tune_words")
        self.rows.zero_()
        self.rows[torch.tensor(word_ids, dtype=torch.long)] = torch.arange(1, len(word_ids) + 1)

    def forward(self, word_ids: torch.Tensor) -> torch.Tensor:
        return self.vectors(self.rows[word_ids])


class WordEmbedding(nn.Module):
    """Concatenation of navec vectors, character CNN features and a shape embedding.

    With `tuned_words`, that many words (chosen by `select_tuned_words`) get a trainable
    correction of their frozen navec vector.
    """

    def __init__(self, num_words: int, word_dim: int, num_chars: int, char_dim: int,
                 char_filters: int, num_shapes: int, shape_dim: int, freeze: bool, tuned_words: int = 0):
        super().__init__()
        self.words = nn.Embedding(num_words, word_dim, padding_idx=0)
        self.words.weight.requires_grad = not freeze
        self.corrections = WordCorrections(num_words, tuned_words, word_dim) if tuned_words else None
        self.chars = CharCNN(num_chars, char_dim, char_filters)
        self.shapes = nn.Embedding(num_shapes, shape_dim, padding_idx=0)
        self.dim = word_dim + char_filters + shape_dim

    def load_vectors(self, table: torch.Tensor) -> None:
        if tuple(table.shape) != tuple(self.words.weight.shape):
            raise ValueError(f"embedding table shape {tuple(table.shape)} does not match "
                             f"the vocabulary {tuple(self.words.weight.shape)}; re-run stage tokenize")
        with torch.no_grad():
            self.words.weight.copy_(table)

    def select_tuned_words(self, word_ids: list[int]) -> None:
        self.corrections.select(word_ids)

    def vectors(self, word_ids: torch.Tensor) -> torch.Tensor:
        vectors = self.words(word_ids)
        if self.corrections is not None:
            vectors = vectors + self.corrections(word_ids)
        return vectors

    def forward(self, word_ids, char_ids, shape_ids) -> torch.Tensor:
        return torch.cat([self.vectors(word_ids), self.chars(char_ids), self.shapes(shape_ids)], dim=-1)
