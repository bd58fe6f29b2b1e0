/**
 * The `encoding` labels a reply parser accepts: `"utf-8"` (RFC 2640, the default), `"auto"` (UTF-8 where a line is
 * valid UTF-8, else the fallback), or a WHATWG label of an ASCII-compatible encoding (FTP frames lines by CR LF,
 * so UTF-16 and ISO-2022-JP cannot be used). Listed for editor completion; any other WHATWG label (`"cp1252"`,
 * `"sjis"` …) is a `string` and accepted too.
 */
export type ReplyEncoding =
  | "utf-8"
  | "auto"
  | "windows-1252"
  | "latin1"
  | "iso-8859-1"
  | "iso-8859-2"
  | "iso-8859-5"
  | "iso-8859-7"
  | "iso-8859-15"
  | "windows-1250"
  | "windows-1251"
  | "koi8-r"
  | "gb18030"
  | "gbk"
  | "big5"
  | "shift_jis"
  | "euc-jp"
  | "euc-kr"
  | (string & {});
