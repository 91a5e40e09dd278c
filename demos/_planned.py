"""Lessons whose tabs are not built yet: title, summary, and an honest "not built yet" line."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr


@dataclass(frozen=True)
class Planned:
    """Stands in for a lesson module (same TITLE / SLUG / SUMMARY / build interface)."""

    SLUG: str  # two-digit lesson number, used in ?lesson=NN deep links
    TITLE: str
    SUMMARY: str
    BUILT: bool = False
    API_NAMES: tuple[str, ...] = ()

    def build(self) -> None:
        gr.Markdown(f"## {self.SLUG} · {self.TITLE}\n{self.SUMMARY}")
        gr.Markdown(
            "**Not built yet.** This lesson's demos are planned; the tab will arrive with its "
            "from-scratch implementation, real engines and an API endpoint."
        )


L03 = Planned("03", "Audio Classification", "From MFCC statistics and k-NN to CNNs on log-mels and AST on AudioSet; confusion matrices, ROC-AUC and few-shot classes you teach it yourself.")
L04 = Planned("04", "Speech Recognition", "CTC, RNN-T and attention: the CTC loss and decoders from scratch (greedy, prefix beam search, LM fusion) next to real recognizers.")
L05 = Planned("05", "Whisper", "Whisper's anatomy — log-mel, 30 s windows, encoder/decoder, special tokens — decoding strategies, and fine-tuning with LoRA.")
L06 = Planned("06", "Speaker Recognition", "Speaker embeddings, cosine scoring, EER and minDCF, DET curves, and who-spoke-when diarization.")
L07 = Planned("07", "Text-to-Speech", "Text normalisation, grapheme-to-phoneme, durations, vocoders (Griffin-Lim) and real TTS engines, with built-in evaluation.")
L08 = Planned("08", "Voice Cloning & Conversion", "Content, speaker and prosody; WORLD and kNN-VC conversion; consent and watermarking built in.")
L09 = Planned("09", "Music Generation", "Music theory generator, MusicGen tokens with the delay pattern, tempo and key analysis.")
L10 = Planned("10", "Audio-Language Models", "Audio encoder + projector + LLM: anatomy, CLAP zero-shot, and an honest cascade on a mini benchmark.")
L11 = Planned("11", "Real-Time Audio", "Streaming state, chunked filters and STFT, latency budgets measured per stage.")
L12 = Planned("12", "Voice Assistant", "Capture → VAD → ASR → tools → TTS, with barge-in and a per-stage latency timeline.")
L13 = Planned("13", "Neural Audio Codecs", "Residual vector quantization from scratch; EnCodec, DAC, Mimi side by side in an A/B listening lab.")
L14 = Planned("14", "VAD & Turn-Taking", "Energy, WebRTC and Silero VAD; a turn-detector state machine evaluated against reference segments.")
L15 = Planned("15", "Streaming Speech-to-Speech", "Full-duplex speech on an 80 ms frame clock: Moshi where a GPU is present, an honest streaming cascade on CPU.")
L16 = Planned("16", "Anti-Spoofing & Watermarking", "A spread-spectrum watermark from scratch vs AudioSeal under attack; LFCC spoof detection and its generalisation.")
L17 = Planned("17", "Audio Evaluation", "WER/CER with full alignment, EER/minDCF, DNSMOS/PESQ/STOI, latency percentiles, and Fréchet distances.")
