"""Slovnet's pretrained NER or morphology encoder as a frozen feature extractor over navec vectors."""

import numpy as np
import torch
from torch import nn

from nerel_mtl.slovnet_models import load_slovnet_morph, load_slovnet_ner


def frozen(array) -> nn.Parameter:
    return nn.Parameter(torch.tensor(array.copy()), requires_grad=False)


class SlovnetTagger(nn.Module):
    """Three frozen convolution layers, and optionally the tag projection, of a slovnet news model.

    Per word it returns the last convolution layer (64 features) and, with `tag_probabilities`,
    the softmax over the model's tags (the 8 PER/LOC/ORG BIO tags of the NER model). The weights
    come from the natasha wheel and are saved with our model.
    """

    def __init__(self, record=None, tag_probabilities: bool = True):
        super().__init__()
        if record is None:
            record, _ = load_slovnet_ner()
        self.shapes = nn.Embedding.from_pretrained(torch.tensor(record.emb.shape.weight.array.copy()),
                                                   freeze=True)
        self.convs = nn.ModuleList()
        self.norms = nn.ParameterList()
        for layer in record.encoder.layers:
            filters, inputs, kernel = layer.conv.weight.shape
            conv = nn.Conv1d(inputs, filters, kernel, padding=layer.conv.padding)
            conv.weight, conv.bias = frozen(layer.conv.weight.array), frozen(layer.conv.bias.array)
            self.convs.append(conv)
            norm = layer.norm
            # Batch norm in inference form: rows are mean, std, scale and shift per filter.
            self.norms.append(frozen(np.stack([norm.mean.array, norm.std.array, norm.weight.array,
                                               norm.bias.array])))
        self.proj = None
        if tag_probabilities:
            proj = record.head.proj
            self.proj = nn.Linear(*proj.weight.shape)
            self.proj.weight, self.proj.bias = frozen(proj.weight.array.T), frozen(proj.bias.array)
        self.word_dim = self.convs[0].in_channels - self.shapes.embedding_dim
        self.dim = self.convs[-1].out_channels + (self.proj.out_features if self.proj is not None else 0)

    def forward(self, vectors: torch.Tensor, shape_ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        hidden = torch.cat([vectors, self.shapes(shape_ids)], dim=-1).transpose(1, 2)
        padding = (torch.arange(hidden.shape[2]).unsqueeze(0) >= lengths.unsqueeze(1)).unsqueeze(1)
        # Zeros past the end, as at the start, so a word's features do not depend on its batch.
        hidden = hidden.masked_fill(padding, 0.0)
        for conv, (mean, std, scale, shift) in zip(self.convs, self.norms):
            hidden = torch.relu(conv(hidden))
            hidden = (hidden - mean[:, None]) / std[:, None] * scale[:, None] + shift[:, None]
            # Slovnet zeroes padding after every layer, so the next convolution reads zeros there.
            hidden = hidden.masked_fill(padding, 0.0)
        hidden = hidden.transpose(1, 2)
        if self.proj is None:
            return hidden
        # Probabilities rather than raw tag scores (up to about 45 in magnitude): INT8 quantizes
        # the BiLSTM input with one scale per batch, and large scores would swamp the navec values.
        return torch.cat([hidden, torch.softmax(self.proj(hidden), dim=-1)], dim=-1)


def slovnet_morph_tagger() -> SlovnetTagger:
    """Return the frozen encoder of slovnet's morphology model: 64 features per word, no tags."""
    record, _ = load_slovnet_morph()
    return SlovnetTagger(record, tag_probabilities=False)
