"""The joint NER + CLS model and its parts, built from a model config.json."""

from pathlib import Path

from nerel_mtl.model.embedding import WordEmbedding
from nerel_mtl.model.encoder import HfEncoder, NavecEncoder
from nerel_mtl.model.joint import JointModel
from nerel_mtl.model.loss import UncertaintyWeightedLoss, build_loss
from nerel_mtl.model.tagger import SlovnetTagger, slovnet_morph_tagger
from nerel_mtl.shape import SHAPES

__all__ = ["JointModel", "UncertaintyWeightedLoss", "build_model"]


def build_transformer(pretrained: str | None, encoder_dir=None):
    """Load pretrained weights from `pretrained` (hub name or folder), or build an
    untrained transformer from the config saved in `encoder_dir`."""
    from transformers import AutoConfig, AutoModel

    if pretrained:
        return AutoModel.from_pretrained(pretrained, add_pooling_layer=False)
    config = AutoConfig.from_pretrained(str(Path(encoder_dir)))
    return AutoModel.from_config(config, add_pooling_layer=False)


def build_model(config: dict, pretrained: str | None = None, encoder_dir=None) -> JointModel:
    """Build the model that `config` describes, with untrained (or, for hf with `pretrained`,
    pretrained) encoder weights."""
    params = config["model"]
    if params["encoder"] == "navec":
        embedding = WordEmbedding(config["num_words"], config["word_dim"], config["num_chars"],
                                  params["char_dim"], params["char_filters"], len(SHAPES),
                                  params["shape_dim"], params["freeze_embeddings"],
                                  params.get("tune_words", 0))
        tagger = SlovnetTagger() if params.get("slovnet_features", False) else None
        morph = slovnet_morph_tagger() if params.get("slovnet_morph", False) else None
        for key, module in (("slovnet_features", tagger), ("slovnet_morph", morph)):
            if module is not None and module.word_dim != config["word_dim"]:
                raise ValueError(f"model.{key} needs {module.word_dim}-dimensional navec vectors, "
                                 f"the vocabulary has {config['word_dim']}")
        encoder = NavecEncoder(embedding, params["hidden_size"], params["num_layers"], params["dropout"],
                               tagger, morph, params.get("attention_layers", 0), params.get("attention_heads", 8))
    else:
        encoder = HfEncoder(build_transformer(pretrained, encoder_dir), params["dropout"])
    return JointModel(encoder, len(config["ner_labels"]), len(config["cls_labels"]), params["crf"],
                      params["dropout"], build_loss(config["loss"]),
                      params.get("document_head", "attention_max"))
