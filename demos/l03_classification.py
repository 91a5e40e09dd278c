"""Lesson 03 — Audio Classification: teach it yourself, classify with CNN/AST, augment, evaluate."""

from __future__ import annotations

import time

import gradio as gr
import numpy as np

from core import classify, metrics
from core.engines import REGISTRY
from core.errors import ParamError
from demos import _ui

SLUG = "03"
TITLE = "Audio Classification"
API_NAMES = ("classify_predict", "classify_fewshot", "classify_augment", "classify_evaluate")  # stable contract
SUMMARY = (
    "A clip becomes features (log-mel, MFCC), features become one vector (statistics pooling) or a CNN's "
    "embedding, and a classifier names it: k-NN on MFCC statistics, a small CNN on log-mels, a transformer "
    "on spectrogram patches (AST, 527 AudioSet classes). Teach it your own sounds, then measure it properly: "
    "leave-one-out, confusion matrices, per-class recall, macro-F1, ROC-AUC and mAP."
)

ENGINES = REGISTRY.names(classify.CLASSIFY)  # ("ast-audioset", "toy-cnn", "mfcc-knn")
EMBEDDINGS = REGISTRY.names(classify.EMBED)  # ("mfcc-stats", "toy-cnn")
EVAL_ENGINES = tuple(classify.HELDOUT_ENGINES)
SETS = classify.builtin_sets()
PARTNER = _ui.EXAMPLES_DIR / "speech_espeak_16k.wav"  # mixup's second clip


def _log_mel_db(y: np.ndarray) -> np.ndarray:
    from core import features

    return features.log_mel(y, classify.CNN_MEL)  # (64, T) dB


def _bars(ax, pairs: list[tuple[str, float]], title: str, xlabel: str = "score") -> None:
    names = [p[0] for p in pairs][::-1]
    vals = [p[1] for p in pairs][::-1]
    ax.barh(names, vals, color=[_ui.PALETTE[0]] * (len(vals) - 1) + [_ui.PALETTE[1]])
    _ui.style(ax, title=title, xlabel=xlabel)
    ax.set_xlim(0, max(1.0, max(vals, default=0)))


def _confusion(ax, C: np.ndarray, classes, title: str) -> None:
    _ui.image(ax, C, extent=(-0.5, len(classes) - 0.5, -0.5, len(classes) - 0.5), title=title,
              xlabel="predicted", ylabel="true", cmap="Blues", vmin=0)
    ax.set_ylim(len(classes) - 0.5, -0.5)  # row 0 at the top, as the matrix is printed
    ax.set_xticks(range(len(classes)), classes, rotation=30, fontsize=7)
    ax.set_yticks(range(len(classes)), classes, fontsize=7)
    for (i, j), v in np.ndenumerate(C):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color="white" if v > C.max() / 2 else _ui.INK)


@_ui.guard
def predict(audio: str | None, engine: str = ENGINES[0]):
    """Classify a clip with a sound classifier.

    Args:
        audio: path to an audio file (any rate/channels; resampled to 16 kHz mono), 0.1–60 s.
        engine: "ast-audioset" (AST fine-tuned on AudioSet, 527 labels; needs the hub model — offline it is
            skipped and the next engine serves), "toy-cnn" (our embedded CNN, 6 toy classes) or "mfcc-knn"
            (from-scratch k-NN on MFCC statistics, same 6 classes).

    Returns a plot (log-mel, scores, per-window scores), an engine badge and a result with keys
    labels ([{label, score}], best first: top 5 of 527 for AST with independent sigmoid scores, all 6
    toy classes with softmax scores), engine (the engine that answered), kind, skipped
    ([{engine, reason}]), multilabel, duration_s, ms.
    """
    if engine not in ENGINES:
        raise ParamError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    y = classify.load_clip(audio, what="audio")
    res = REGISTRY.resolve(classify.CLASSIFY, engine)
    t0 = time.perf_counter()
    out = res.obj.classify(y)
    ms = (time.perf_counter() - t0) * 1e3
    top = out.top(classify.TOP_K if out.multilabel else None)

    fig, axes = _ui.figure(1, 3, height=3.2, width=13)
    dur = y.size / classify.SR
    _ui.image(axes[0], _log_mel_db(y), extent=(0, dur, 0, classify.CNN_MEL.n_mels), title="Log-mel (64 bands)",
              xlabel="time (s)", ylabel="mel band", colorbar_label="dB")
    _bars(axes[1], top, f"{res.name}: {'sigmoid (multi-label)' if out.multilabel else 'softmax'} scores")
    if out.window_scores is not None and len(out.window_scores) > 1:
        for i, (label, _) in enumerate(top[:4]):
            c = out.classes.index(label)
            axes[2].plot(out.window_starts_s, out.window_scores[:, c], marker="o", ms=3, label=label,
                         color=_ui.PALETTE[i % len(_ui.PALETTE)])
        axes[2].legend(fontsize=7)
        _ui.style(axes[2], title="Scores per window (pauses greyed)", xlabel="window start (s)", ylabel="score")
        for s, active in zip(out.window_starts_s, out.window_active):
            if not active:
                axes[2].axvspan(s, s + 0.5, color=_ui.GRID)
    else:
        axes[2].text(0.5, 0.5, "one window: no timeline", ha="center", va="center", color=_ui.INK)
        _ui.style(axes[2], title="Scores per window")
    badge = _ui.badge(res.name, ms, skipped=res.skipped, note=f"{len(out.classes)} classes")
    result = {"labels": [{"label": lab, "score": s} for lab, s in top], **res.summary(),
              "multilabel": out.multilabel, "duration_s": dur, "ms": ms}
    return fig, badge, _ui.clean(result)


@_ui.guard
def fewshot(example_files, example_labels: str, query_audio: str | None, embedding: str = EMBEDDINGS[0]):
    """Teach-it-yourself classifier: embed labelled examples, check them by leave-one-out, classify a query.

    Args:
        example_files: list of 6–20 audio files (≤ 10 s each): 2–5 classes with ≥ 3 examples each.
        example_labels: one label per file, in the same order, separated by commas or new lines
            ("clap, clap, clap, snap, snap, snap"); case and spacing differences are merged.
        query_audio: path to the clip to classify, ≤ 10 s (optional: without it only leave-one-out runs).
        embedding: "mfcc-stats" (from scratch: mean/std/skew/kurtosis of 20 MFCCs, 80-d) or "toy-cnn"
            (the embedded CNN's 64-d penultimate layer).

    Returns two plots (PCA projection and leave-one-out confusion matrix; query scores and log-mel),
    a summary, an engine badge and a result with keys prediction (the query's class, or null),
    scores ({class: softmax-weighted k-NN vote, summing to 1}), loo_accuracy (0–1), engine, classes,
    similarity ({class: cosine similarity to the nearest example}), loo_predictions, confusion
    (rows true, columns predicted, in classes order), n_examples, notes.
    """
    if embedding not in EMBEDDINGS:
        raise ParamError(f"embedding {embedding!r} is not one of {', '.join(EMBEDDINGS)}")
    s = classify.fewshot_set(example_files, example_labels)
    classify.warn_notes(s.notes)
    res = REGISTRY.resolve(classify.EMBED, embedding, fallback=False)
    t0 = time.perf_counter()
    E = np.stack([res.obj.embed(y) for y in s.ys])
    q = None if query_audio in (None, "") else classify.load_clip(query_audio, max_duration_s=classify.MAX_EXAMPLE_S, what="query")
    fr = classify.fewshot(E, s.labels, None if q is None else res.obj.embed(q))
    ms = (time.perf_counter() - t0) * 1e3

    fig, (ax_p, ax_c) = _ui.figure(1, 2, height=3.6, width=12)
    for i, c in enumerate(fr.classes):
        pts = fr.points[[lab == c for lab in s.labels]]
        ax_p.scatter(pts[:, 0], pts[:, 1], s=40, color=_ui.PALETTE[i % len(_ui.PALETTE)], label=c)
    if fr.query_point is not None:
        ax_p.scatter(*fr.query_point, s=160, marker="*", color=_ui.INK, label="query")
    ax_p.legend(fontsize=7)
    _ui.style(ax_p, title=f"{res.name} embeddings, PCA to 2-D", xlabel=f"PC1 ({100 * fr.explained[0]:.0f} % of variance)",
              ylabel=f"PC2 ({100 * fr.explained[1]:.0f} %)")
    _confusion(ax_c, fr.confusion, fr.classes, f"Leave-one-out confusion ({100 * fr.loo_accuracy:.0f} % correct)")
    q_fig, (ax_s, ax_m) = _ui.figure(1, 2, height=3.0, width=12)
    if q is not None:
        _bars(ax_s, sorted(fr.scores.items(), key=lambda kv: -kv[1]), f"Query: {fr.prediction}", "k-NN vote")
        _ui.image(ax_m, _log_mel_db(q), extent=(0, q.size / classify.SR, 0, classify.CNN_MEL.n_mels), title="Query log-mel",
                  xlabel="time (s)", ylabel="mel band", colorbar_label="dB")
    else:
        for ax in (ax_s, ax_m):
            ax.text(0.5, 0.5, "add a query clip to classify it", ha="center", va="center", color=_ui.INK)
    counts = ", ".join(f"{c} × {s.labels.count(c)}" for c in s.classes)
    summary = (f"**Leave-one-out accuracy: {100 * fr.loo_accuracy:.0f} %** on {len(s.labels)} examples ({counts}) — "
               "each example classified by the others." + (f"\n\n**Query → {fr.prediction}**" if q is not None else ""))
    if s.notes:
        summary += "\n\n" + "\n".join(f"- {n}" for n in s.notes)
    result = {"prediction": fr.prediction, "scores": fr.scores, "loo_accuracy": fr.loo_accuracy, "engine": res.name,
              "classes": list(fr.classes), "similarity": fr.similarity, "loo_predictions": list(fr.loo_predictions),
              "confusion": fr.confusion, "n_examples": len(s.labels), "notes": list(s.notes)}
    return fig, q_fig, summary, _ui.badge(res.name, ms, note=f"k = {classify.FEWSHOT_K}, cosine"), _ui.clean(result)


@_ui.guard
def augment(audio: str | None, n_freq_masks: float = 2, freq_mask_param: float = 8, n_time_masks: float = 2,
            time_mask_param: float = 20, mixup_alpha: float = 0.4, seed: float = 0):
    """SpecAugment and mixup, before and after, on your clip.

    Args:
        audio: path to an audio file (≤ 60 s; the first 10 s are shown).
        n_freq_masks, freq_mask_param: number of frequency masks and their maximum width in mel bands (0–64).
        n_time_masks, time_mask_param: number of time masks and their maximum width in 10 ms frames.
        mixup_alpha: α of the Beta(α, α) that draws the mixing weight λ (> 0).
        seed: random seed (whole number), so a setting can be reproduced.

    Returns a plot (original, SpecAugmented, mixup partner, mixed) and a result with keys masks
    ([{axis, start, width}]), lambda, target ({"your clip": λ, "speech example": 1 − λ}).
    """
    rng = np.random.default_rng(int(seed))
    cfg = classify.SpecAugmentConfig(int(n_freq_masks), int(freq_mask_param), int(n_time_masks), int(time_mask_param))
    y = classify.load_clip(audio, what="audio")[: int(10 * classify.SR)]
    L = _log_mel_db(y)
    L_aug, masks = classify.spec_augment(L, cfg, rng=rng)
    partner = classify.load_clip(str(PARTNER), what="mixup partner")
    partner = np.resize(partner, y.shape)  # tile or cut to the clip's length
    lam = classify.mixup_lambda(float(mixup_alpha), rng=rng)
    mixed, target = classify.mixup(y, [1.0, 0.0], partner, [0.0, 1.0], lam=lam)
    fig, axes = _ui.figure(2, 2, height=6.0, width=12)
    dur = y.size / classify.SR
    vmin = float(L.max()) - 80
    for ax, data, title in zip(axes, (L, L_aug, _log_mel_db(partner), _log_mel_db(mixed.astype(np.float32))),
                               ("Your clip", f"SpecAugment: {len(masks)} masks", "Mixup partner (speech example)",
                                f"Mixup, λ = {lam:.2f}: λ·clip + (1−λ)·partner")):
        _ui.image(ax, data, extent=(0, dur, 0, classify.CNN_MEL.n_mels), title=title, xlabel="time (s)",
                  ylabel="mel band", colorbar_label="dB", vmin=vmin)
    result = {"masks": [{"axis": a, "start": s, "width": w} for a, s, w in masks], "lambda": lam,
              "target": {"your clip": target[0], "speech example": target[1]}}
    return fig, _ui.clean(result)


@_ui.guard
def evaluate(engine: str = EVAL_ENGINES[0]):
    """Held-out evaluation of an embedded engine on the synthetic held-out set of scripts/train_classifier.py.

    Args:
        engine: "toy-cnn" or "mfcc-knn".

    Returns a plot (confusion matrix, one-vs-rest ROC curves), a per-class table and a result with keys
    engine, classes, n, accuracy, top2_accuracy, macro_f1, macro_roc_auc, mean_ap, per_class
    ({class: {precision, recall, f1, support, roc_auc, average_precision}}), confusion_matrix — all
    computed live with core.metrics from the stored held-out scores.
    """
    classes, y_true, P, card = classify.heldout_scores(engine)
    pred = P.argmax(axis=1)
    idx = list(range(len(classes)))
    C = metrics.confusion_matrix(y_true, pred, labels=idx)
    prec, rec, f1, support = metrics.precision_recall_f1(y_true, pred, labels=idx)
    ovr = metrics.one_vs_rest(y_true, P)
    fig, (ax_c, ax_r) = _ui.figure(1, 2, height=4.0, width=12)
    _confusion(ax_c, C, classes, f"{engine}: held-out confusion matrix")
    for c, name in enumerate(classes):
        fpr, tpr, _ = metrics.roc_curve(P[:, c], y_true == c)
        ax_r.plot(fpr, tpr, color=_ui.PALETTE[c % len(_ui.PALETTE)], label=f"{name} (AUC {ovr['roc_auc'][c]:.3f})")
    ax_r.plot([0, 1], [0, 1], ls="--", color=_ui.INK, lw=0.7)
    ax_r.legend(fontsize=7)
    _ui.style(ax_r, title="One-vs-rest ROC curves", xlabel="false positive rate", ylabel="true positive rate")
    rows = "\n".join(f"| {n} | {prec[i]:.3f} | {rec[i]:.3f} | {f1[i]:.3f} | {ovr['roc_auc'][i]:.3f} | "
                     f"{ovr['average_precision'][i]:.3f} | {support[i]} |" for i, n in enumerate(classes))
    acc, top2, mf1 = metrics.accuracy(y_true, pred), metrics.top_k_accuracy(y_true, P, k=2), metrics.macro_f1(y_true, pred, labels=idx)
    table = (f"**{engine}** on {len(y_true)} held-out clips (synthetic; speech in unseen languages and voices): "
             f"accuracy **{acc:.3f}**, top-2 {top2:.3f}, macro-F1 **{mf1:.3f}**, macro ROC-AUC {ovr['macro_roc_auc']:.3f}, "
             f"mAP {ovr['mean_ap']:.3f}. Trained by `{card['command']}`.\n\n"
             "| class | precision | recall | F1 | ROC-AUC | AP | support |\n|---|---|---|---|---|---|---|\n" + rows)
    per_class = {n: {"precision": prec[i], "recall": rec[i], "f1": f1[i], "support": support[i],
                     "roc_auc": ovr["roc_auc"][i], "average_precision": ovr["average_precision"][i]} for i, n in enumerate(classes)}
    result = {"engine": engine, "classes": list(classes), "n": len(y_true), "accuracy": acc, "top2_accuracy": top2,
              "macro_f1": mf1, "macro_roc_auc": ovr["macro_roc_auc"], "mean_ap": ovr["mean_ap"], "per_class": per_class,
              "confusion_matrix": C}
    return fig, table, _ui.clean(result)


# ----------------------------------------------------------------------------- UI-only callbacks


def _load_set(name: str):
    s = SETS[name]
    return list(s.files), "\n".join(s.labels), s.query


def _add_example(recording, class_name, files, labels_text):
    name = " ".join(str(class_name or "").split())
    if not name:
        raise gr.Error("Type the class name (e.g. 'clap') before adding a recording.")
    if not recording:
        raise gr.Error("Record or upload a clip first, then add it.")
    try:
        labels = classify.parse_labels(labels_text)
    except ParamError as exc:
        raise gr.Error(str(exc)) from None
    files = [classify.file_path(f) for f in (files or [])]
    return files + [recording], "\n".join(labels + [name]), None


def build() -> None:
    _ui.lesson_header(SLUG, TITLE, SUMMARY)
    with gr.Tab("Teach it yourself"):
        gr.Markdown(
            f"Give {classify.MIN_CLASSES}–{classify.MAX_CLASSES} classes with at least {classify.MIN_PER_CLASS} "
            "examples each (a clap, a whistle, a snap, a word…): record them class by class, upload files, or load a "
            "built-in set. Each clip becomes one vector; a cosine k-NN classifies the query, and leave-one-out says "
            "how well the examples separate. The embedding matters: MFCC statistics keep what a sound is made of "
            "(good for words); the toy CNN's embedding was trained on six kinds of sound, so it separates claps from "
            "whistles well but lumps all speech together."
        )
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Row():
                    set_btns = {n: gr.Button(f"Load built-in set: {' / '.join(dict.fromkeys(s.labels))}", size="sm",
                                             elem_id=f"l03-set-{n}") for n, s in SETS.items()}
                with gr.Accordion("Record examples class by class", open=False):
                    with gr.Row():
                        class_name = gr.Textbox(label="class of this recording", placeholder="clap", elem_id="l03-class")
                        add_btn = gr.Button("Add to examples", elem_id="l03-add")
                    recorder = gr.Audio(sources=["microphone", "upload"], type="filepath", label="example recording",
                                        elem_id="l03-rec", editable=False)
                files = gr.File(file_count="multiple", file_types=[".wav", ".flac", ".ogg", ".mp3"],
                                label="Example files", elem_id="l03-files")
                labels = gr.Textbox(label="Labels, one per file in order (comma or newline separated)", lines=4,
                                    elem_id="l03-labels")
                clear_btn = gr.Button("Clear examples", size="sm")
            with gr.Column(scale=2):
                embedding = gr.Radio(list(EMBEDDINGS), value=EMBEDDINGS[0], label="embedding")
                query = _ui.audio_input("Query clip to classify", elem_id="l03-query",
                                        examples=[s.query for s in SETS.values() if s.query])
                run = gr.Button("Teach and classify", variant="primary", elem_id="l03-fewshot-run")
        summary = gr.Markdown(elem_id="l03-fewshot-summary")
        badge = gr.Markdown()
        proj = gr.Plot(label="Embeddings and leave-one-out", format="png")
        qplot = gr.Plot(label="Query", format="png")
        f_result = _ui.result_json()
    for n, b in set_btns.items():
        b.click(lambda n=n: _load_set(n), None, [files, labels, query], api_name=False)
    add_btn.click(_add_example, [recorder, class_name, files, labels], [files, labels, recorder], api_name=False)
    clear_btn.click(lambda: ([], "", None), None, [files, labels, query], api_name=False)
    run.click(fewshot, [files, labels, query, embedding], [proj, qplot, summary, badge, f_result],
              api_name="classify_fewshot")

    with gr.Tab("Classify a clip"):
        with gr.Row():
            with gr.Column(scale=2):
                c_audio = _ui.audio_input(elem_id="l03-audio")
            with gr.Column(scale=1):
                engine = gr.Dropdown(list(ENGINES), value=ENGINES[0], label="engine (falls back when unavailable)")
                c_btn = gr.Button("Classify", variant="primary", elem_id="l03-classify")
        c_badge = gr.Markdown(elem_id="l03-badge")
        c_plot = gr.Plot(label="Classification", format="png")
        c_result = _ui.result_json()
    c_btn.click(predict, [c_audio, engine], [c_plot, c_badge, c_result], api_name="classify_predict")

    with gr.Tab("Augmentation"):
        gr.Markdown("SpecAugment blanks random frequency bands and time spans; mixup blends two clips and their "
                    "labels with λ ~ Beta(α, α). The toy CNN was trained with both.")
        with gr.Row():
            a_audio = _ui.audio_input(elem_id="l03-a-audio")
            with gr.Column():
                nf = gr.Slider(0, 4, value=2, step=1, label="frequency masks")
                fp = gr.Slider(0, 64, value=8, step=1, label="max mask width (mel bands)")
                nt = gr.Slider(0, 6, value=2, step=1, label="time masks")
                tp = gr.Slider(0, 200, value=20, step=1, label="max mask width (10 ms frames)")
                alpha = gr.Slider(0.05, 2.0, value=0.4, step=0.05, label="mixup α")
                seed = gr.Number(0, label="seed", precision=0)
                a_btn = gr.Button("Augment", variant="primary", elem_id="l03-augment")
        a_plot = gr.Plot(label="Before and after", format="png")
        a_result = _ui.result_json()
    a_btn.click(augment, [a_audio, nf, fp, nt, tp, alpha, seed], [a_plot, a_result], api_name="classify_augment")

    with gr.Tab("Held-out evaluation"):
        gr.Markdown("How good are the embedded engines, honestly? Scores on a held-out synthetic set, evaluated "
                    "live with our metrics (each checked against scikit-learn).")
        with gr.Row():
            e_engine = gr.Radio(list(EVAL_ENGINES), value=EVAL_ENGINES[0], label="engine")
            e_btn = gr.Button("Evaluate", variant="primary", elem_id="l03-evaluate")
        e_table = gr.Markdown(elem_id="l03-eval-table")
        e_plot = gr.Plot(label="Confusion matrix and ROC", format="png")
        e_result = _ui.result_json()
    e_btn.click(evaluate, e_engine, [e_plot, e_table, e_result], api_name="classify_evaluate")
