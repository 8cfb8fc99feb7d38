#!/usr/bin/python3
"""Builds the labelled VAD evaluation set (the VAD work) into OUT_DIR; no audio is committed.

Speech: espeak-ng, 12 voices in 10 languages, three sentences each, at 16 kHz (sox), separated by
random pauses of 0.4 to 2.0 s (fixed seed). Labels: 10 ms frames of the clean speech whose RMS
reaches -45 dBFS are speech; gaps shorter than 150 ms between them (between words, stops) count as
speech too. Noise: white, pink (1/f), brown (1/f^2) and tonal (music-like: chords of harmonic
tones changing every 0.3 to 0.9 s) mixed at 20, 10, 5 and 0 dB SNR (speech power over the speech
frames vs the noise's power). Writes clean.wav and <noise>_<snr>db.wav (float32 mono, the speech at
espeak's level), labels.npy (one 0/1 per 10 ms frame) and set.json (what was made).

usage: make_set.py OUT_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.io import wavfile

RATE = 16000
FRAME = RATE // 100
VOICES = [
    ("en-gb", ["The quick brown fox jumps over the lazy dog.",
               "Please call me back when you get this message.",
               "We will meet at the station at half past nine."]),
    ("en-us+f3", ["I would like a cup of coffee with milk, please.",
                  "The weather forecast says it will rain tomorrow.",
                  "Turn left at the second traffic light."]),
    ("en-us+m3", ["Can you hear me clearly on this line?",
                  "Our flight has been delayed by two hours.",
                  "Remember to save your work before you leave."]),
    ("fr-fr", ["Il fait tres beau aujourd'hui a Paris.",
               "Je voudrais reserver une table pour deux personnes.",
               "Le train part dans dix minutes."]),
    ("de", ["Das Wetter ist heute sehr schoen.",
            "Koennen Sie mir bitte den Weg zum Bahnhof zeigen?",
            "Wir sehen uns morgen frueh im Buero."]),
    ("es-es", ["Buenos dias, como esta usted hoy?",
               "La reunion empieza a las diez de la manana.",
               "Me gustaria pedir una pizza grande."]),
    ("it", ["Oggi il tempo e molto bello.",
            "Vorrei un biglietto per Roma, per favore.",
            "Ci vediamo domani sera al ristorante."]),
    ("pt", ["Bom dia, como vai voce?",
            "O comboio chega as oito horas.",
            "Preciso de comprar pao e leite."]),
    ("nl", ["Het weer is vandaag erg mooi.",
            "Kunt u mij de weg naar het station wijzen?",
            "We zien elkaar morgen op kantoor."]),
    ("pl", ["Dzien dobry, jak sie masz?",
            "Pociag odjezdza za dziesiec minut.",
            "Prosze zamknac drzwi za soba."]),
    ("sv", ["Vadret ar mycket fint idag.",
            "Kan du visa mig vagen till stationen?",
            "Vi ses i morgon bitti pa kontoret."]),
    ("ru", ["Dobroe utro, kak dela?",
            "Poezd otpravlyaetsya cherez desyat minut.",
            "Ya hochu kupit hleb i moloko."]),
]
SNRS = [20, 10, 5, 0]
NOISES = ["white", "pink", "brown", "tonal"]


def speak(voice, text, tmp):
    raw = os.path.join(tmp, "raw.wav")
    out = os.path.join(tmp, "16k.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "155", "-w", raw, text], check=True)
    subprocess.run(["sox", raw, "-r", str(RATE), "-b", "32", "-e", "floating-point", out], check=True)
    rate, x = wavfile.read(out)
    assert rate == RATE
    return x.astype(np.float64)


def labels_of(clean):
    n = len(clean) // FRAME
    rms = np.sqrt(np.mean(clean[: n * FRAME].reshape(n, FRAME) ** 2, axis=1))
    lab = rms >= 10 ** (-45 / 20)
    idx = np.flatnonzero(lab)
    for a, b in zip(idx[:-1], idx[1:]):
        if 1 < b - a <= 15:  # a gap of up to 140 ms between speech frames
            lab[a:b] = True
    return lab.astype(np.uint8)


def spectral(rng, n, exponent):
    """Gaussian noise with power density ~ 1/f^exponent (DC removed), unit power."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    f[0] = f[1]
    spec *= f ** (-exponent / 2)
    spec[0] = 0
    x = np.fft.irfft(spec, n)
    return x / np.sqrt(np.mean(x ** 2))


def tonal(rng, n):
    """Music-like: chords of 3 or 4 notes (3 harmonics each), new chord every 0.3-0.9 s, with attack and decay."""
    x = np.zeros(n)
    t0 = 0
    while t0 < n:
        length = int(rng.uniform(0.3, 0.9) * RATE)
        t = np.arange(min(length, n - t0)) / RATE
        env = np.minimum(1, t / 0.02) * np.exp(-t * rng.uniform(0.5, 3))
        root = 110 * 2 ** (rng.integers(0, 24) / 12)
        for step in rng.choice([0, 3, 4, 7, 10, 12], size=rng.integers(3, 5), replace=False):
            f0 = root * 2 ** (step / 12)
            vib = 1 + 0.003 * np.sin(2 * np.pi * 5 * t)
            for h, a in ((1, 1.0), (2, 0.5), (3, 0.25)):
                x[t0:t0 + len(t)] += a * env * np.sin(2 * np.pi * f0 * h * vib * t + rng.uniform(0, 2 * np.pi))
        t0 += length
    return x / np.sqrt(np.mean(x ** 2))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(13)
    parts = [np.zeros(int(0.8 * RATE))]
    with tempfile.TemporaryDirectory() as tmp:
        for voice, sentences in VOICES:
            for s in sentences:
                parts.append(speak(voice, s, tmp))
                parts.append(np.zeros(int(rng.uniform(0.4, 2.0) * RATE)))
    clean = np.concatenate(parts)
    clean = clean[: len(clean) // FRAME * FRAME]
    lab = labels_of(clean)
    np.save(os.path.join(out, "labels.npy"), lab)
    speech_power = np.mean(clean.reshape(-1, FRAME)[lab == 1] ** 2)
    wavfile.write(os.path.join(out, "clean.wav"), RATE, clean.astype(np.float32))
    made = {"seconds": len(clean) / RATE, "speech_fraction": float(lab.mean()), "voices": len(VOICES),
            "speech_dbfs": 10 * np.log10(speech_power), "conditions": ["clean"]}
    for kind in NOISES:
        base = {"white": lambda: rng.standard_normal(len(clean)),
                "pink": lambda: spectral(rng, len(clean), 1),
                "brown": lambda: spectral(rng, len(clean), 2),
                "tonal": lambda: tonal(rng, len(clean))}[kind]()
        base /= np.sqrt(np.mean(base ** 2))
        for snr in SNRS:
            mix = clean + base * np.sqrt(speech_power / 10 ** (snr / 10))
            name = f"{kind}_{snr}db"
            wavfile.write(os.path.join(out, name + ".wav"), RATE, mix.astype(np.float32))
            made["conditions"].append(name)
    with open(os.path.join(out, "set.json"), "w") as f:
        json.dump(made, f, indent=1)
    print(json.dumps({k: v for k, v in made.items() if k != "conditions"}))


if __name__ == "__main__":
    main()
