#!/usr/bin/env python3
"""tools/tokenizer_golden.py: the tokenizer parity corpus and its expected outputs.

Contract: `corpus` writes tests/data/tokenizer/corpus.jsonl (deterministic: hand-written lines
below plus fixed combinations of them, >= 500 lines). `golden` runs the reference tokenizer
(Hugging Face's Python code: transformers' fast tokenizer, tools/tokenizer_reference.py) on it
for each vocabulary and writes tests/data/tokenizer/expected_<vocab>.jsonl (input_ids,
token_type_ids, tokens; untruncated), then expected_<vocab>_max32.jsonl (input_ids,
token_type_ids) from the same tokenizer with truncation=True, max_length=32 (its own
longest_first). longest_first() / truncate() below restate tokenizers' utils/truncation.rs for
scripts that cut reference tokens themselves (make_cli_golden.py); `golden` checks that they
agree with Hugging Face on every line. Nothing here uses lightbert's own output.
Run with the pinned venv (tools/real_env.sh, tools/requirements-real.txt).

usage: ~/.cache/lightbert/venv/bin/python tools/tokenizer_golden.py corpus
       ~/.cache/lightbert/venv/bin/python tools/tokenizer_golden.py golden [--vocab-root DIR]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "tokenizer")
VOCABS = ["bert-base-uncased", "bert-base-chinese"]
MAX_LENGTH = 32

# Hand-written lines, grouped by what they exercise. Characters added after Unicode 15.0 are
# avoided (utf8proc 2.8 knows Unicode 15.0), and so are supplementary CJK ideographs attached to
# other letters (the corpus predates the Python oracle; tests/unit/tokenizer_unicode_test.cpp
# covers that case by hand).
ENGLISH = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "I can't believe it's already 5 o'clock; we're late!",
    "Tokenization is the first step of most NLP pipelines.",
    "BERT uses WordPiece: unaffable -> un ##aff ##able.",
    "He said, \"It's fine\" -- but it wasn't.",
    "Mr. Smith went to Washington D.C. on Jan. 3rd, 2021.",
    "Supercalifragilisticexpialidocious is a very long word.",
    "The U.S.A. and the U.K. signed the treaty (finally).",
    "Well... that was unexpected!?",
    "Running, runner, ran, runs: all forms of 'run'.",
    "Antidisestablishmentarianism and pneumonoultramicroscopicsilicovolcanoconiosis.",
    "She sells seashells by the seashore.",
    "A stitch in time saves nine.",
    "To be, or not to be, that is the question:",
    "Whether 'tis nobler in the mind to suffer",
    "The year 1984 was not like \"1984\".",
    "Multi-word-hyphenated-compound-adjectives are common in English.",
    "It's a state-of-the-art, end-to-end system.",
    "HTTP/2 and TCP/IP are protocols; JSON & XML are formats.",
    "Oh!!! Really??? No way...",
    "(parentheses) [brackets] {braces} <angles>",
    "Quotes: 'single', \"double\", `backtick`.",
    "Price: $19.99 (was $25.00) - save 20%!",
    "Temperature: -5°C or 23°F.",
    "The ratio is 3:2, and 1/3 + 2/3 = 1.",
    "e.g., i.e., etc., vs., cf.",
    "ALL CAPS SENTENCE WITH SHOUTING.",
    "MiXeD CaSe TeXt LoOkS wEiRd.",
    "camelCaseIdentifier and snake_case_identifier and kebab-case-identifier",
    "The café serves crème brûlée and a piña colada.",
    "Naïve coöperation in the façade of the résumé.",
    "Ångström, Øresund, Æsir, and Œuvre.",
    "Zürich, München, Köln, Düsseldorf.",
    "São Paulo, Bogotá, Reykjavík, Kraków.",
    "Dvořák's symphony was performed in Brno.",
    "Thế giới này rất đẹp.",
    "Tiếng Việt có nhiều dấu: ả, ã, ạ, ấ, ầ, ẩ, ẫ, ậ.",
    "Hà Nội là thủ đô của Việt Nam.",
    "Ελληνικά: Καλημέρα κόσμε!",
    "ΟΔΥΣΣΕΥΣ ΚΑΙ ΠΗΝΕΛΟΠΗ",
    "ΣΟΦΟΣ. ΑΣ.Α ΑΣ'Α Σ ΣΑ",
    "Ῥόδος and ᾅδης with polytonic accents.",
    "İstanbul, IĞDIR, ŞİŞLİ, and ı (dotless).",
    "Straße, STRASSE, ẞ, ß.",
    "ǅemal and ǈubljana with digraphs ǆ ǉ ǌ.",
    "Ligatures: ﬁnance, ﬂow, ﬀ, ﬃ, ﬄ, ﬅ, ﬆ.",
    "Full-width: ＡＢＣ ａｂｃ １２３ ！？",
    "Kelvin sign K and ohm sign Ω and angstrom sign Å.",
    "Roman numerals: Ⅻ ⅻ Ⅳ ⅳ.",
    "Circled: ⓐⓑⓒ ⒶⒷⒸ ①②③.",
    "Superscripts x² y³ and subscripts H₂O.",
    "Fractions: ½ ¼ ¾ ⅓.",
    "Math: ∀x ∈ ℝ, x² ≥ 0; ∑ᵢ aᵢ ≤ ∞.",
    "Arrows → ← ↑ ↓ ⇒ and bullets • ‣ ◦.",
    "Dashes: en–dash, em—dash, minus − sign, hyphen-minus.",
    "Curly “quotes” and ‘apostrophes’ aren’t ASCII.",
    "Guillemets «bonjour» and ‹salut›, „Anführungszeichen“.",
    "Inverted ¿question? and ¡exclamation!",
    "Section § and pilcrow ¶ and dagger † ‡.",
    "Currency: € £ ¥ ₹ ₽ ₩ ₿ ¢.",
    "Trademark™ registered® copyright© symbols.",
    "Ellipsis… and middle·dot and bullet•point.",
    "Greek question mark; vs semicolon ;",
    "Spacing modifier ʰ ˈstress ˌsecondary.",
    "Combining: e\u0301 a\u0300 o\u0308 n\u0303 (decomposed).",
    "Stacked marks: a\u0323\u0301 a\u0301\u0323 q\u0307\u0323.",
    "Mark alone: \u0301 and after space \u0300x.",
    "Varia \u1fef and oxia \u1ffd and koronis \u1fbd.",
    "Greek ano teleia \u0387 and Greek question mark \u037e.",
]

SCRIPTS = [
    "我爱北京天安门。",
    "今天天气很好，我们去公园散步吧！",
    "中华人民共和国成立于1949年。",
    "机器学习是人工智能的一个分支。",
    "繁體中文與簡體中文不同。",
    "你好，世界！Hello, 世界!",
    "他说：“这是一个测试。”",
    "《红楼梦》是中国古典小说。",
    "价格：¥100元（打八折）",
    "兼容字：豈更車賈滑串",
    "扩展A：㐀㐁㐂㐃",
    "日本語のテキストです。",
    "東京は日本の首都です。",
    "ひらがな と カタカナ と 漢字",
    "私はコーヒーが好きです。",
    "ｶﾀｶﾅ ﾊﾝｶｸ (half-width katakana)",
    "ガ ギ グ ゲ ゴ パ ピ プ ペ ポ",
    "ヴァイオリン を 弾きます",
    "한국어 텍스트입니다.",
    "안녕하세요, 세계!",
    "대한민국의 수도는 서울입니다.",
    "ㄱㄴㄷ ㅏㅑㅓ (compatibility jamo)",
    "العربية لغة جميلة.",
    "مرحبا بالعالم!",
    "السلام عليكم ورحمة الله",
    "كِتَابٌ مُفِيدٌ (with harakat)",
    "עברית: שלום עולם",
    "בְּרֵאשִׁית בָּרָא (with niqqud)",
    "Русский язык: Привет, мир!",
    "Москва — столица России.",
    "Ёлка, ЁЖИК, йогурт, Й.",
    "Українська мова: Ґанок, їжак, є.",
    "Српски: Љубав, Њујорк, Џеп.",
    "ภาษาไทย: สวัสดีครับ",
    "ประเทศไทยมีประชากรประมาณ 70 ล้านคน",
    "हिन्दी: नमस्ते दुनिया",
    "भारत एक विशाल देश है।",
    "বাংলা ভাষা",
    "தமிழ் மொழி",
    "ქართული ენა",
    "Հայերեն լեզու",
    "አማርኛ ቋንቋ",
    "ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ",
    "ພາສາລາວ",
    "မြန်မာဘာသာ",
    "ខ្មែរ",
    "Mixed: English, 中文, 日本語, 한국어, العربية, Русский.",
    "Code-switching: I love 寿司 and 김치 very much!",
    "Math in Chinese: 三加四等于七 (3+4=7).",
    "Emoji with CJK: 我❤️北京",
]

EMOJI = [
    "I love pizza 🍕!",
    "😀😃😄😁😆😅😂🤣",
    "Family: 👨‍👩‍👧‍👦 and couple 👩‍❤️‍👨",
    "Flags: 🇫🇷 🇩🇪 🇯🇵 🇺🇸 🇨🇳",
    "Skin tones: 👍🏻 👍🏼 👍🏽 👍🏾 👍🏿",
    "Keycaps: 1️⃣ 2️⃣ #️⃣ *️⃣",
    "Hearts ❤️ 💙 💚 and variation ☺︎ ☺️",
    "Technologist 👩🏽‍💻 and firefighter 🧑‍🚒",
    "Rainbow flag 🏳️‍🌈 and pirate 🏴‍☠️",
    "Subdivision flag 🏴󠁧󠁢󠁳󠁣󠁴󠁿 (Scotland)",
    "Faces 🫠 🫨 🥹 🤌",
    "Animals: 🐶🐱🐭🐹🐰🦊🐻🐼",
    "emoji🎉inside🎉words",
    "Symbols ☀ ☁ ☂ ★ ☆ ♠ ♣ ♥ ♦",
    "Dingbats ✂ ✈ ✉ ✏ ✔ ✖",
    "Playing cards 🂡 🂱 and mahjong 🀄",
    "Math alnum: 𝐀𝐁𝐂 𝑥𝑦𝑧 𝔸𝔹ℂ",
    "Old italic 𐌀𐌁𐌂 and gothic 𐌰𐌱𐌲",
    "Musical 𝄞 𝄢 symbols",
]

CONTROL = [
    "zero\u200bwidth\u200bspace",
    "byte\ufefforder mark\ufeff",
    "soft\u00adhyphen in hy\u00adphen\u00ada\u00adtion",
    "zero\u200cwidth\u200dnon-joiner and joiner",
    "left\u200eto\u200fright marks",
    "word\u2060joiner and\u2061function",
    "nul\u0000char and bell\u0007char",
    "tab\tseparated\tvalues",
    "line\nbreak and\r\ncrlf",
    "vertical\u000btab and form\u000cfeed",
    "escape\u001b[31mred\u001b[0m text",
    "delete\u007fchar and c1\u0085next\u0080line",
    "replacement \ufffd char",
    "private use \ue000\uf8ff area",
    "no-break\u00a0space and narrow\u202fno-break",
    "ideographic\u3000space and em\u2003space",
    "line\u2028separator and paragraph\u2029separator",
    "ogham\u1680space mark",
    "bidi \u202aembedding\u202c and \u2066isolate\u2069",
    "interlinear \ufff9anchor\ufffb",
    "unassigned \u0378 and \u0379 code points",
    "noncharacters \ufdd0 and \uffff",
    "tag chars \U000e0041\U000e0042",
    "mongolian\u180evowel separator",
    "  leading and trailing spaces  ",
    "multiple     internal      spaces",
    "\t\n\r mixed whitespace only at start",
    "\u200b",
    "\ufeff\u200b\u00ad",
]

TECHNICAL = [
    "Visit https://www.example.com/path/to/page?query=1&lang=en#section",
    "FTP: ftp://files.example.org/pub/README.txt",
    "Email me at john.doe+tag@example.co.uk or admin@localhost.",
    "IP addresses 192.168.0.1 and ::1 and 2001:db8::ff00:42:8329",
    "Phone: +1 (555) 123-4567 ext. 89",
    "Date: 2024-03-15T12:34:56Z",
    "Version v1.2.3-beta.4+build.567",
    "Hex 0xDEADBEEF, binary 0b1010, octal 0o755",
    "Scientific 6.022e23 and 1.6E-19",
    "Numbers: 1,234,567.89 and 1.234.567,89 and 12 345",
    "Ordinal 1st 2nd 3rd 4th 21st 102nd",
    "int main() { return 0; }",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "def foo(x: int) -> str:\n    return f\"{x!r}\"",
    "SELECT * FROM users WHERE id = 42 AND name LIKE '%bob%';",
    "const arr = [1, 2, 3].map((x) => x * 2);",
    "if (a && b || !c) { x->y = *p; }",
    "std::vector<std::string> v{\"a\", \"b\"};",
    "#include <iostream> // comment",
    "<div class=\"main\"><p>Hello</p></div>",
    "{\"key\": \"value\", \"list\": [1, 2, null, true]}",
    "$HOME/bin:/usr/local/bin:/usr/bin",
    "C:\\Users\\Name\\Documents\\file.txt",
    "git commit -m \"fix: handle edge-case (#1234)\"",
    "regex: ^[a-z0-9_-]{3,16}$",
    "Markdown **bold** _italic_ `code` [link](http://x.y)",
    "LaTeX: $\\frac{a}{b} + \\sqrt{x^2}$",
    "@username #hashtag $TICKER %percent ^caret &amp; *star",
    "~tilde |pipe \\backslash =equals +plus",
    "password: P@ssw0rd!#2024",
    "UUID 123e4567-e89b-12d3-a456-426614174000",
    "SHA256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "Base64 SGVsbG8gV29ybGQhIFRoaXMgaXMgYmFzZTY0Lg==",
    "3.14159265358979323846264338327950288419716939937510",
    "12345678901234567890123456789012345678901234567890",
]

SPECIAL = [
    "[CLS] sentence with a [SEP] in the middle [SEP]",
    "The capital of France is [MASK].",
    "[MASK] [MASK] [MASK]",
    "x[MASK]y and a[SEP]b and [CLS][SEP][PAD][UNK][MASK]",
    "lowercase [mask] and [cls] are not special",
    "Spaced [ MASK ] and partial [MAS] or MASK] or [MASK",
    "Nested [[MASK]] and [[SEP]]",
    "[UNK] token written in text",
    "[PAD][PAD] padding written in text [PAD]",
    "Mixed case [Mask] [MaSK] [mASK]",
    "[MASK]ing a word and un[MASK]able",
    "Ünïcödé [MASK] àccénts",
    "中文[MASK]测试",
    "emoji🎉[MASK]🎉",
    "[SEP]",
    "[CLS]",
    "  [MASK]  ",
    "[MASK]\u200b[MASK]",
]

EDGE = [
    "",
    " ",
    "   \t  ",
    "\n",
    ".",
    "a",
    "A",
    "#",
    "##",
    "##ing",
    "###",
    "'",
    "...",
    "!!!???",
    "é",
    "É",
    "中",
    "𠀀",
    "a 𠀀 b",
    "𪚥 𫝀 𬺰",
    "x" * 100,
    "y" * 101,
    "z" * 150,
    "ab" * 60,
    "é" * 100,
    "é" * 101,
    "a\u0301" * 60,
    "İ" * 60,
    "Σ" * 40,
    "xyzzyplughqwertyzxcvbnmasdfghjkl",
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aa",
    "1" * 120,
    "http://" + "a" * 95 + ".com",
    "word " * 40,
    "Pneumonoultramicroscopicsilicovolcanoconiosis-antidisestablishmentarianism-floccinaucinihilipilification-hippopotomonstrosesquippedaliophobia",
]

PARAGRAPHS = [
    "Natural language processing (NLP) is an interdisciplinary subfield of computer science and "
    "linguistics. It is primarily concerned with giving computers the ability to support and "
    "manipulate human language.",
    "BERT, which stands for Bidirectional Encoder Representations from Transformers, was "
    "introduced in October 2018 by researchers at Google. It learns to represent text as a "
    "sequence of vectors using self-supervised learning.",
    "The tokenizer splits text into words, then splits words into subword units from a fixed "
    "vocabulary, so that rare words can still be represented by more frequent pieces.",
    "自然语言处理是计算机科学领域与人工智能领域中的一个重要方向。它研究能实现人与计算机之间用自然语言进行有效通信的各种理论和方法。",
    "Il était une fois, dans un pays lointain, une princesse qui s'appelait Élodie. Elle vivait "
    "dans un château près de la forêt.",
    "Der schnelle braune Fuchs springt über den faulen Hund. Übung macht den Meister, sagt man "
    "in Österreich.",
    "En un lugar de la Mancha, de cuyo nombre no quiero acordarme, no ha mucho tiempo que vivía "
    "un hidalgo de los de lanza en astillero.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация южных "
    "губерний даст мощный толчок подъёму сельского хозяйства.",
]


def build_corpus():
    lines = []

    def add(text, pair=None):
        row = {"text": text}
        if pair is not None:
            row["text_pair"] = pair
        lines.append(row)

    groups = [ENGLISH, SCRIPTS, EMOJI, CONTROL, TECHNICAL, SPECIAL, EDGE, PARAGRAPHS]
    for group in groups:
        for text in group:
            add(text)
    # Upper-cased and lower-cased variants (exercise case mapping of every script above).
    for text in ENGLISH + SCRIPTS[:40] + EMOJI[:6]:
        add(text.upper())
    for text in ENGLISH[28:]:
        add(text.lower())
    # Short pairs: deterministic pairing across groups.
    singles = ENGLISH + SCRIPTS + EMOJI + CONTROL + TECHNICAL + SPECIAL
    for i in range(0, len(singles) - 1, 3):
        add(singles[i], singles[(i * 7 + 5) % len(singles)])
    # Pairs with an empty or blank side. (An empty text_pair is left out: transformers' single
    # __call__ (and transformers.js) treat "" as no pair at all, tokenizers and transformers'
    # batched call encode [CLS] A [SEP] [SEP]; a unit test covers it.)
    add("", "only the second text")
    add(" ", "\u200b")
    add("\u200b\u00ad", "   ")
    # Long pairs that need truncation at 32 (both sides long, one side long, equal lengths).
    for i, p in enumerate(PARAGRAPHS):
        add(p, PARAGRAPHS[(i + 3) % len(PARAGRAPHS)])
        add(ENGLISH[i], p)
        add(p, ENGLISH[i + 10])
    add("one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron")
    add("one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi")
    add("a b c d e f g h i j k l m n o p q", "a b c d e f g h i j k l m n o p q")
    add("a b c d e f g h i j k l m n o p q r", "a b c d e f g h i j k l m n o p q")
    add("[MASK] " * 20, "[SEP] " * 20)
    add("word " * 40, "short")
    add("short", "word " * 40)
    # Sentences joined with separators, spaces and controls between them.
    for i in range(0, 40):
        a = singles[(i * 11) % len(singles)]
        b = singles[(i * 17 + 3) % len(singles)]
        sep = ["\u200b", "\t", " [SEP] ", "\u3000", "\u00ad", "", "\n\n", " - "][i % 8]
        add(a + sep + b)
    return lines


def write_corpus():
    lines = build_corpus()
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, "corpus.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for row in lines:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(lines)} lines to {path}")


def longest_first(n_a, n_b, budget, has_pair):
    """Hugging Face tokenizers utils/truncation.rs (LongestFirst), for the lengths only."""
    if not has_pair:
        return min(n_a, budget), 0
    if n_a + n_b <= budget:
        return n_a, n_b
    n1, n2 = n_a, n_b
    swap = n1 > n2
    if swap:
        n1, n2 = n2, n1
    n2 = n1 if n1 > budget else max(n1, budget - n1)
    if n1 + n2 > budget:
        n1 = budget // 2
        n2 = n1 + budget % 2
    if swap:
        n1, n2 = n2, n1
    return min(n_a, n1), min(n_b, n2)


def truncate(row, has_pair, max_length):
    ids, types, tokens = row["input_ids"], row["token_type_ids"], row["tokens"]
    # [CLS] A [SEP] (B [SEP]): type 0 covers [CLS] A [SEP], type 1 covers B [SEP].
    n0 = types.count(0)
    a = list(range(1, n0 - 1))
    b = list(range(n0, len(ids) - 1)) if has_pair else []
    added = 3 if has_pair else 2
    n_a, n_b = longest_first(len(a), len(b), max_length - added, has_pair)
    keep = [0] + a[:n_a] + [n0 - 1]
    if has_pair:
        keep += b[:n_b] + [len(ids) - 1]
    return {
        "input_ids": [ids[k] for k in keep],
        "token_type_ids": [types[k] for k in keep],
        "attention_mask": [1] * len(keep),
        "tokens": [tokens[k] for k in keep],
    }


def run_reference(vocab_dir, corpus, max_length=None):
    import tokenizer_reference
    tok = tokenizer_reference.load(vocab_dir)
    return [tokenizer_reference.encode(tok, line, max_length) for line in corpus]


def write_golden(vocab_root):
    corpus_path = os.path.join(DATA, "corpus.jsonl")
    with open(corpus_path, encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f if line.strip()]
    for vocab in VOCABS:
        folder = os.path.join(vocab_root, vocab)
        full = run_reference(folder, corpus)
        cut = run_reference(folder, corpus, MAX_LENGTH)
        for line, row, short in zip(corpus, full, cut):
            mine = truncate(row, "text_pair" in line, MAX_LENGTH)
            if mine["input_ids"] != short["input_ids"]:
                sys.exit(f"{vocab}: truncate() disagrees with Hugging Face on {line!r}")
        for suffix, rows in (("", full), (f"_max{MAX_LENGTH}", cut)):
            path = os.path.join(DATA, f"expected_{vocab}{suffix}.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for row in rows:
                    # The truncated files omit the token strings (the untruncated file gives
                    # the reference string of every id) to keep the fixtures small.
                    keys = ("input_ids", "token_type_ids") + (("tokens",) if not suffix else ())
                    row = {k: row[k] for k in keys}
                    f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["corpus", "golden"])
    parser.add_argument("--vocab-root", default=os.path.join(ROOT, "..", "shared", "vocab"))
    args = parser.parse_args()
    if args.command == "corpus":
        write_corpus()
    else:
        write_golden(args.vocab_root)


if __name__ == "__main__":
    main()
