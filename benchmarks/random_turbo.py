"""A Whisper model with the exact large-v3-turbo architecture and random weights.

No real large weights can be downloaded here, and random weights cost exactly the same compute:
32 encoder layers, 4 decoder layers, d_model 1280, 128 mel bins, 51,866 tokens, converted to
CTranslate2 float16. The end-of-text row of the (tied) output projection is zeroed so that
decoding never stops early: every window then generates exactly its token budget (the
server's ``max_tokens_per_s``), a realistic count instead of an unlucky early stop.

    python -m benchmarks.random_turbo OUT --tokenizer BUNDLED_MODEL_DIR

Needs torch and transformers (present on the GPU machine; not dependencies of semdict).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import ctranslate2

TURBO = {
    "d_model": 1280,
    "encoder_layers": 32,
    "encoder_attention_heads": 20,
    "encoder_ffn_dim": 5120,
    "decoder_layers": 4,
    "decoder_attention_heads": 20,
    "decoder_ffn_dim": 5120,
    "num_mel_bins": 128,
    "vocab_size": 51866,
    "max_source_positions": 1500,
    "max_target_positions": 448,
}
EOT = 50257  # <|endoftext|> in Whisper's multilingual vocabulary


def make_model(out: Path, tokenizer_dir: Path, seed: int) -> None:
    # torch and transformers are the GPU machine's own, not dependencies of semdict.
    import torch  # noqa: PLC0415
    import transformers  # noqa: PLC0415
    from ctranslate2.converters.transformers import WhisperLoader  # noqa: PLC0415

    torch.manual_seed(seed)
    model = transformers.WhisperForConditionalGeneration(transformers.WhisperConfig(**TURBO))
    with torch.no_grad():
        model.model.decoder.embed_tokens.weight[EOT].zero_()  # tied to the output projection
    model.eval()
    base = json.loads((tokenizer_dir / "config.json").read_text())
    tokens = list(json.loads((tokenizer_dir / "vocabulary.json").read_text()))
    tokens += [f"<|extra_{i}|>" for i in range(TURBO["vocab_size"] - len(tokens))]
    loader = WhisperLoader()
    spec = loader.get_model_spec(model)
    spec.config.suppress_ids = base["suppress_ids"]
    spec.config.suppress_ids_begin = base["suppress_ids_begin"]
    spec.config.lang_ids = base["lang_ids"]
    spec.config.alignment_heads = [[layer, head] for layer in (2, 3) for head in range(20)]
    spec.register_vocabulary(tokens)
    spec.validate()
    spec.optimize(quantization="float16")
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))
    shutil.copy(tokenizer_dir / "tokenizer.json", out / "tokenizer.json")
    (out / "preprocessor_config.json").write_text(
        json.dumps({"feature_size": 128, "hop_length": 160, "n_fft": 400, "sampling_rate": 16000})
    )
    check = ctranslate2.models.Whisper(str(out), device="cpu", compute_type="int8")
    print(f"saved {out}: n_mels={check.n_mels}, multilingual={check.is_multilingual}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--tokenizer", type=Path, required=True, help="a CTranslate2 Whisper folder"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    make_model(args.out, args.tokenizer, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
