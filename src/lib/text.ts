/**
 * Human-entered text (names, descriptions) is stored NFC-normalised and never holds characters
 * that change how text around it reads: C0/C1 controls (CR, LF, TAB…), bidi embeddings, overrides,
 * isolates and marks, line/paragraph separators, and zero-width characters. A name like
 * "Evil\r\nBcc: …" would otherwise add lines to an email, and "\u202Egnp.exe" would read backwards.
 */
export const FORBIDDEN_TEXT = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/u;

/** The same set as a whole-string pattern (what the OpenAPI document shows as `pattern`). */
export const CLEAN_TEXT_PATTERN = /^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]*$/u;

export const hasForbiddenText = (value: string) => FORBIDDEN_TEXT.test(value);

/** Removes what `hasForbiddenText` refuses (for text we record but do not reject, e.g. a User-Agent). */
export const stripForbiddenText = (value: string) => value.replace(new RegExp(FORBIDDEN_TEXT.source, "gu"), "");

/**
 * Cyrillic and Greek letters that look like Latin ones (after lower-casing), mapped to the Latin
 * letter they pass for. Not the whole Unicode confusables table: the common look-alikes of the
 * Latin alphabet, which is what a role name impersonating "Admin" or "Member" would use.
 */
const LOOK_ALIKES: Record<string, string> = {
  // Cyrillic
  а: "a",
  в: "b",
  ь: "b",
  с: "c",
  ԁ: "d",
  е: "e",
  ё: "e",
  һ: "h",
  н: "h",
  і: "i",
  ї: "i",
  ј: "j",
  к: "k",
  ӏ: "l",
  м: "m",
  п: "n",
  о: "o",
  р: "p",
  ԛ: "q",
  г: "r",
  ѕ: "s",
  т: "t",
  и: "u",
  ц: "u",
  ѵ: "v",
  ԝ: "w",
  х: "x",
  у: "y",
  з: "z",
  // Greek
  α: "a",
  β: "b",
  ϲ: "c",
  ε: "e",
  η: "n",
  ι: "i",
  ϳ: "j",
  κ: "k",
  μ: "m",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  γ: "y",
  ζ: "z",
};

/**
 * A name's confusable skeleton: NFKC (fullwidth "Ａ" → "A", ligatures split), case-folded,
 * look-alike letters mapped to Latin, whitespace runs collapsed. Two names with one skeleton
 * look the same to a person.
 */
export function confusableSkeleton(value: string): string {
  const folded = value.normalize("NFKC").toLowerCase().replaceAll("ß", "ss").replaceAll("ς", "σ");
  let out = "";
  for (const char of folded) out += LOOK_ALIKES[char] ?? char;
  return out.trim().replace(/\s+/gu, " ");
}
