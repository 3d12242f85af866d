"""Encoders from a batch of windows to one vector per position: BiLSTM over navec features,
or a Hugging Face transformer."""

import torch
from torch import nn

from nerel_mtl.model.attention import SelfAttentionLayer
from nerel_mtl.model.embedding import WordEmbedding


def reverse_within_length(tensor: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row of `tensor` [batch, time, dim] within its own length, keeping padding
    at the end, so a backward LSTM reads real words before any padding."""
    time = tensor.shape[1]
    positions = torch.arange(time).unsqueeze(0)
    reversed_positions = lengths.unsqueeze(1) - 1 - positions
    index = torch.where(reversed_positions >= 0, reversed_positions, positions)
    return tensor.gather(1, index.unsqueeze(-1).expand(-1, -1, tensor.shape[2]))


class BiLSTMLayer(nn.Module):
    """One bidirectional layer as two plain nn.LSTM modules.

    Running the backward direction on rows reversed within their length keeps padding out of
    it without pack_padded_sequence, which was about 4x slower on CPU.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.forward_lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.backward_lstm = nn.LSTM(input_size, hidden_size, batch_first=True)

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        forward_out, _ = self.forward_lstm(inputs)
        backward_out, _ = self.backward_lstm(reverse_within_length(inputs, lengths))
        return torch.cat([forward_out, reverse_within_length(backward_out, lengths)], dim=-1)


class NavecEncoder(nn.Module):
    """BiLSTM over word features, optionally joined by the outputs of slovnet's frozen NER
    (`tagger`) and morphology (`morph`) encoders, and optionally followed by self-attention layers."""

    def __init__(self, embedding: WordEmbedding, hidden_size: int, num_layers: int, dropout: float,
                 tagger: nn.Module | None = None, morph: nn.Module | None = None,
                 attention_layers: int = 0, attention_heads: int = 8):
        super().__init__()
        self.embedding = embedding
        self.tagger = tagger
        self.morph = morph
        self.dropout = nn.Dropout(dropout)
        input_size = embedding.dim + sum(module.dim for module in (tagger, morph) if module is not None)
        sizes = [input_size] + [2 * hidden_size] * num_layers
        self.layers = nn.ModuleList(BiLSTMLayer(sizes[index], hidden_size) for index in range(num_layers))
        self.dim = 2 * hidden_size
        self.attention = nn.ModuleList(SelfAttentionLayer(self.dim, attention_heads, dropout)
                                       for _ in range(attention_layers))

    def forward(self, batch: dict) -> torch.Tensor:
        hidden = self.embedding(batch["word_ids"], batch["char_ids"], batch["shape_ids"])
        slovnet_modules = [module for module in (self.tagger, self.morph) if module is not None]
        if slovnet_modules:
            # Plain navec vectors, without tuned corrections: slovnet's encoders were trained on them.
            vectors = self.embedding.words(batch["word_ids"])
            features = [module(vectors, batch["slovnet_shape_ids"], batch["lengths"]) for module in slovnet_modules]
            hidden = torch.cat([hidden, *features], dim=-1)
        for layer in self.layers:
            hidden = layer(self.dropout(hidden), batch["lengths"])
        for layer in self.attention:
            hidden = layer(hidden, batch["lengths"])
        return self.dropout(hidden)


class HfEncoder(nn.Module):
    def __init__(self, transformer: nn.Module, dropout: float):
        super().__init__()
        self.transformer = transformer
        self.dropout = nn.Dropout(dropout)
        self.dim = transformer.config.hidden_size

    def forward(self, batch: dict) -> torch.Tensor:
        output = self.transformer(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return self.dropout(output.last_hidden_state)
