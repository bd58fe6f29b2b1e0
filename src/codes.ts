/**
 * The reply-code table: what every FTP reply code means, in Chinese and English.
 *
 * Chinese meanings and 原因 (cause) texts are the user's documentation (`shared/seeds/000_…txt`), verbatim, even
 * where that document is inaccurate: a `note` beside such an entry says what is right. English meanings follow
 * the wording of the RFC that defines the code (RFC 959 §4.2 for the base set). Codes that no RFC assigns but
 * that real servers send are marked `nonStandard` with where they are seen.
 *
 * `describeCode` returns one frozen entry per code, built on first use and shared afterwards: `reply.info` on
 * every parsed reply is a reference to it, never a copy.
 */

/** A language the table is written in. */
export type Lang = "zh" | "en";

/** A text in both languages. Pick one with `text[lang]`. */
export interface LocalizedText {
  readonly zh: string;
  readonly en: string;
}

/** Where a code is defined: an RFC (with its section), or nowhere, with where servers are seen sending it. */
export type CodeDefinition =
  | { readonly rfc: number; readonly section?: string }
  | { readonly nonStandard: true; readonly seenIn: LocalizedText };

/** The reply class, the first digit (RFC 959 §4.2; 6 is RFC 2228's protected reply). */
export type ReplyClass = 1 | 2 | 3 | 4 | 5 | 6;

/** Everything the table knows about one reply code. Entries are frozen and shared: compare them with `===`. */
export interface CodeInfo {
  /** The three-digit code, e.g. 227. */
  readonly code: number;
  /** The first digit: 1 positive preliminary … 5 permanent negative, 6 protected (RFC 2228). */
  readonly class: ReplyClass;
  /** The second digit, the function group: 0 syntax, 1 information, 2 connections, 3 authentication and
   * accounting, 4 unspecified, 5 file system (RFC 959 §4.2.1); 6–9 are not defined. */
  readonly group: number;
  /** The class's name. The Chinese is the seed's heading for the class (written here for class 6). */
  readonly className: LocalizedText;
  /** What a reply of this class tells the client. The Chinese is the seed's paragraph under the heading. */
  readonly classDescription: LocalizedText;
  /** The function group's name. */
  readonly groupName: LocalizedText;
  /** What the code means. Chinese: the seed verbatim where the seed has the code; English: the RFC's wording. */
  readonly meaning: LocalizedText;
  /** The usual cause: the seed's 原因 section verbatim (Chinese) and its translation (English). */
  readonly cause?: LocalizedText;
  /** A correction or an addition: where the seed is inaccurate, or what the RFCs add. */
  readonly note?: LocalizedText;
  /** The defining document, or where a non-standard code is seen. Absent for unknown codes. */
  readonly defined?: CodeDefinition;
  /** True when the table documents the code; false for a well-formed code derived from its digits alone. */
  readonly known: boolean;
}

/** One row of the table as written below. */
interface CodeTableEntry {
  readonly meaning: LocalizedText;
  readonly cause?: LocalizedText;
  readonly note?: LocalizedText;
  readonly defined: CodeDefinition;
}

// RFC 959 §4.2.2 is the numeric list; §4.2.1 is the same codes by function group.
const RFC959 = { rfc: 959, section: "4.2.2" } as const;
const RFC1639 = { rfc: 1639 } as const;
// RFC 2228 §5.1: new individual reply codes; §5.2: protected replies (6yz).
const RFC2228 = { rfc: 2228, section: "5.1" } as const;
const RFC2228_PROTECTED = { rfc: 2228, section: "5.2" } as const;
const RFC3659 = { rfc: 3659 } as const;

const SERV_U = {
  zh: "Serv-U FTP 服务器（见于其答复消息表）",
  en: "Serv-U FTP Server (its table of reply messages)",
} as const;

/**
 * The documented codes. Keys are the codes; the Chinese of every RFC 959 code is the seed's text verbatim.
 * RFC 2640 (LANG) and RFC 7151 (HOST) use only existing codes and add none here.
 */
export const REPLY_CODES = {
  110: {
    meaning: { zh: "重新启动标记答复。", en: "Restart marker reply." },
    note: {
      zh: "RFC 959 规定此答复的文本是固定的，必须为 MARK yyyy = mmmm，其中 yyyy 是用户进程的数据流标记，mmmm 是服务器的对应标记（注意标记与“=”之间的空格）。",
      en: 'RFC 959: the text is exact and must read MARK yyyy = mmmm, where yyyy is the user-process data stream marker and mmmm the server\'s equivalent marker (note the spaces around "=").',
    },
    defined: RFC959,
  },
  120: {
    meaning: { zh: "服务已就绪，在 nnn 分钟后开始。", en: "Service ready in nnn minutes." },
    defined: RFC959,
  },
  125: {
    meaning: { zh: "数据连接已打开，正在开始传输。", en: "Data connection already open; transfer starting." },
    defined: RFC959,
  },
  150: {
    meaning: {
      zh: "文件状态正常，准备打开数据连接。",
      en: "File status okay; about to open data connection.",
    },
    cause: {
      zh: "FTP 使用两个端口：21 用于发送命令，20 用于发送数据。状态代码 150 表示服务器准备在端口 20 上打开新连接，发送一些数据。",
      en: "FTP uses two ports: 21 for sending commands and 20 for sending data. Status code 150 means the server is about to open a new connection on port 20 to send some data.",
    },
    note: {
      zh: "“原因”把数据连接与端口 20 绑定，这只适用于主动模式（PORT/EPRT）：服务器从端口 20（控制端口 L−1）连接到客户端指定的地址和端口。被动模式（PASV/EPSV）下由客户端连接服务器在 227/229 答复中给出的端口，与端口 20 无关。150 本身只表示服务器即将打开（或接受）数据连接。",
      en: "The cause ties the data connection to port 20, which holds only in active mode (PORT/EPRT), where the server connects from port 20 (control port L-1) to the address and port the client named. In passive mode (PASV/EPSV) the client connects to the port the server gave in its 227/229 reply, and port 20 plays no part. 150 itself only says the server is about to open (or accept) the data connection.",
    },
    defined: RFC959,
  },
  200: {
    meaning: { zh: "命令确定。", en: "Command okay." },
    defined: RFC959,
  },
  202: {
    meaning: {
      zh: "未执行命令，站点上的命令过多。",
      en: "Command not implemented, superfluous at this site.",
    },
    note: {
      zh: "“站点上的命令过多”是误译：RFC 959 的意思是该命令在此站点上是多余的（不需要），服务器什么也没做，客户端可以照常继续（例如不需要预分配空间的服务器收到 ALLO）。",
      en: 'The Chinese ("too many commands at this site") is a mistranslation: RFC 959 means the command is superfluous at this site, so the server did nothing and the client may carry on (e.g. ALLO on a server that needs no pre-allocation).',
    },
    defined: RFC959,
  },
  211: {
    meaning: { zh: "系统状态，或系统帮助答复。", en: "System status, or system help reply." },
    note: {
      zh: "RFC 2389 的 FEAT 命令也用 211 答复（多行，列出支持的扩展）。",
      en: "RFC 2389's FEAT is answered with 211 too (a multi-line list of the supported extensions).",
    },
    defined: RFC959,
  },
  212: {
    meaning: { zh: "目录状态。", en: "Directory status." },
    defined: RFC959,
  },
  213: {
    meaning: { zh: "文件状态。", en: "File status." },
    note: {
      zh: "RFC 3659 的 SIZE 和 MDTM 命令用 213 答复，文本是文件大小或修改时间。",
      en: "RFC 3659's SIZE and MDTM are answered with 213, the text being the size or the modification time.",
    },
    defined: RFC959,
  },
  214: {
    meaning: {
      zh: "帮助消息。",
      en: "Help message. On how to use the server or the meaning of a particular non-standard command. This reply is useful only to the human user.",
    },
    defined: RFC959,
  },
  215: {
    meaning: {
      zh: "NAME 系统类型，其中，NAME 是 Assigned Numbers 文档中所列的正式系统名称。",
      en: "NAME system type. Where NAME is an official system name from the list in the Assigned Numbers document.",
    },
    defined: RFC959,
  },
  220: {
    meaning: { zh: "服务就绪，可以执行新用户的请求。", en: "Service ready for new user." },
    defined: RFC959,
  },
  221: {
    meaning: {
      zh: "服务关闭控制连接。如果适当，请注销。",
      en: "Service closing control connection. Logged out if appropriate.",
    },
    defined: RFC959,
  },
  225: {
    meaning: { zh: "数据连接打开，没有进行中的传输。", en: "Data connection open; no transfer in progress." },
    defined: RFC959,
  },
  226: {
    meaning: {
      zh: "关闭数据连接。请求的文件操作已成功（例如，传输文件或放弃文件）。",
      en: "Closing data connection. Requested file action successful (for example, file transfer or file abort).",
    },
    cause: {
      zh: "命令在端口 20 上打开数据连接以执行操作，如传输文件。该操作成功完成，数据连接已关闭。",
      en: "The command opened a data connection on port 20 to perform an action, such as transferring a file. The action completed successfully and the data connection was closed.",
    },
    note: {
      zh: "“在端口 20 上”只适用于主动模式（PORT/EPRT）；被动模式（PASV/EPSV）下数据连接是客户端连到服务器在 227/229 答复中给出的端口。",
      en: '"On port 20" holds only in active mode (PORT/EPRT); in passive mode (PASV/EPSV) the data connection is the one the client opened to the port from the 227/229 reply.',
    },
    defined: RFC959,
  },
  227: {
    meaning: {
      zh: "进入被动模式 (h1,h2,h3,h4,p1,p2)。",
      en: "Entering Passive Mode (h1,h2,h3,h4,p1,p2).",
    },
    note: {
      zh: "RFC 1123 §4.1.2.6：括号格式并无保证，客户端必须在文本中查找这六个数字。",
      en: "RFC 1123 §4.1.2.6: the parenthesised form is not guaranteed; a client must scan the text for the six numbers.",
    },
    defined: RFC959,
  },
  228: {
    meaning: {
      zh: "进入长被动模式 (af, hal, h1, h2, h3,..., pal, p1, p2...)。",
      en: "Entering Long Passive Mode (af, hal, h1, h2, h3,..., pal, p1, p2...)",
    },
    note: {
      zh: "LPSV 命令的答复。RFC 1639 是实验性文档，已被 RFC 2428 的 EPSV（229）取代。",
      en: "The reply to LPSV. RFC 1639 is experimental and superseded by RFC 2428's EPSV (229).",
    },
    defined: RFC1639,
  },
  229: {
    meaning: {
      zh: "进入扩展被动模式 (|||port|)。",
      en: "Entering Extended Passive Mode (|||port|)",
    },
    note: {
      zh: "EPSV 命令的答复：括号内的前两个字段为空，第三个字段是端口号；数据连接使用与控制连接相同的网络地址。",
      en: "The reply to EPSV: the first two fields in the parentheses are empty, the third is the TCP port; the data connection goes to the control connection's network address.",
    },
    defined: { rfc: 2428, section: "3" },
  },
  230: {
    meaning: { zh: "用户已登录，继续进行。", en: "User logged in, proceed." },
    cause: {
      zh: "客户端发送正确的密码后，显示该状态代码。它表示用户已成功登录。",
      en: "This status code appears after the client sends the correct password. It means the user has logged in successfully.",
    },
    defined: RFC959,
  },
  232: {
    meaning: {
      zh: "用户已登录，已通过安全数据交换授权。",
      en: "User logged in, authorized by security data exchange.",
    },
    note: {
      zh: "有些流传的代码列表把 232 写作“已记录注销命令，传输完成后生效”，Serv-U 也用 231–233 切换维护模式；RFC 2228 定义的含义如上。",
      en: 'Some widely copied code lists give 232 as "Logout command noted, will complete when transfer done.", and Serv-U uses 231-233 to switch maintenance modes; RFC 2228 defines it as above.',
    },
    defined: RFC2228,
  },
  234: {
    meaning: { zh: "安全数据交换完成。", en: "Security data exchange complete." },
    note: {
      zh: "RFC 4217（TLS 上的 FTP）：服务器接受 AUTH TLS 时答复 234，随后开始 TLS 握手。",
      en: "RFC 4217 (FTP over TLS): the server accepts AUTH TLS with 234, then the TLS handshake starts.",
    },
    defined: RFC2228,
  },
  235: {
    meaning: {
      zh: "安全数据交换已成功完成，答复中可能带有安全数据 ([ADAT=base64data])。",
      en: "[ADAT=base64data] This reply indicates that the security data exchange completed successfully.",
    },
    defined: RFC2228,
  },
  250: {
    meaning: { zh: "请求的文件操作正确，已完成。", en: "Requested file action okay, completed." },
    defined: RFC959,
  },
  253: {
    meaning: {
      zh: "属性或日期时间已更改。",
      en: "Attributes (or date/time) changed okay.",
    },
    defined: { nonStandard: true, seenIn: SERV_U },
  },
  257: {
    meaning: { zh: "已创建“PATHNAME”。", en: '"PATHNAME" created.' },
    note: {
      zh: "RFC 959 附录 II：路径名放在双引号中，路径名里的双引号要写成两个。PWD 也用 257 答复当前目录。",
      en: "RFC 959 Appendix II: the pathname is in double quotes, and a double quote inside it is doubled. PWD is answered with 257 too.",
    },
    defined: RFC959,
  },
  331: {
    meaning: { zh: "用户名正确，需要密码。", en: "User name okay, need password." },
    cause: {
      zh: "客户端发送用户名后，显示该状态代码。无论所提供的用户名是否为系统中的有效帐户，都将显示该状态代码。",
      en: "This status code appears after the client sends a user name. It appears whether or not the user name given is a valid account on the system.",
    },
    defined: RFC959,
  },
  332: {
    meaning: { zh: "需要登录帐户。", en: "Need account for login." },
    defined: RFC959,
  },
  334: {
    meaning: {
      zh: "请求的安全机制可以接受，答复中可能带有客户端构造下一条命令所需的安全数据 ([ADAT=base64data])。",
      en: "[ADAT=base64data] This reply indicates that the requested security mechanism is ok, and includes security data to be used by the client to construct the next command.",
    },
    defined: RFC2228,
  },
  335: {
    meaning: {
      zh: "安全数据可以接受，还需要更多安全数据才能完成安全数据交换 ([ADAT=base64data])。",
      en: "[ADAT=base64data] This reply indicates that the security data is acceptable, and more is required to complete the security data exchange.",
    },
    defined: RFC2228,
  },
  336: {
    meaning: {
      zh: "用户名正确，需要密码。质询为“....”。",
      en: 'Username okay, need password. Challenge is "...."',
    },
    defined: RFC2228,
  },
  350: {
    meaning: {
      zh: "请求的文件操作正在等待进一步的信息。",
      en: "Requested file action pending further information.",
    },
    defined: RFC959,
  },
  421: {
    meaning: {
      zh: "服务不可用，正在关闭控制连接。如果服务确定它必须关闭，将向任何命令发送这一应答。",
      en: "Service not available, closing control connection. This may be a reply to any command if the service knows it must shut down.",
    },
    defined: RFC959,
  },
  425: {
    meaning: { zh: "无法打开数据连接。", en: "Can't open data connection." },
    defined: RFC959,
  },
  426: {
    meaning: { zh: "Connection closed; transfer aborted.", en: "Connection closed; transfer aborted." },
    cause: {
      zh: "命令打开数据连接以执行操作，但该操作已被取消，数据连接已关闭。",
      en: "The command opened a data connection to perform an action, but the action was cancelled and the data connection was closed.",
    },
    note: {
      zh: "文档此条保留了英文原文，意思是：连接已关闭，传输已中止。",
      en: "The documentation leaves this meaning untranslated (in English).",
    },
    defined: RFC959,
  },
  430: {
    meaning: { zh: "用户名或密码无效。", en: "Invalid username or password." },
    note: {
      zh: "RFC 959 用 530（未登录）表示登录失败；430 按首位数字是暂时性的否定答复，客户端可能会重试。",
      en: "RFC 959 reports a failed login with 530 (Not logged in); by its first digit 430 is a transient negative reply, so a client may retry.",
    },
    defined: {
      nonStandard: true,
      seenIn: {
        zh: "mtheall/ftpd（3DS/Switch 上的 FTP 服务器，拒绝 USER 或 PASS 时答复 430），以及广为转载的答复代码列表（维基百科）",
        en: "mtheall/ftpd (the 3DS/Switch FTP server, which answers a rejected USER or PASS with 430), and widely copied reply-code lists (Wikipedia)",
      },
    },
  },
  431: {
    meaning: {
      zh: "需要某个当前不可用的资源来处理安全请求。",
      en: "Need some unavailable resource to process security.",
    },
    defined: RFC2228,
  },
  432: {
    meaning: {
      zh: "密码未更改（新密码不符合要求）。",
      en: "Password not changed (the new password was refused).",
    },
    defined: { nonStandard: true, seenIn: SERV_U },
  },
  434: {
    meaning: { zh: "请求的主机不可用。", en: "Requested host unavailable." },
    defined: {
      nonStandard: true,
      seenIn: {
        zh: "广为转载的答复代码列表（维基百科），与选择虚拟主机（HOST 命令，如 IIS）相关；定义 HOST 的 RFC 7151 并未列出 434",
        en: "widely copied reply-code lists (Wikipedia), tied to virtual-host selection (the HOST command, as in IIS); RFC 7151, which defines HOST, does not list 434",
      },
    },
  },
  450: {
    meaning: {
      zh: "未执行请求的文件操作。文件不可用（例如，文件繁忙）。",
      en: "Requested file action not taken. File unavailable (e.g., file busy).",
    },
    defined: RFC959,
  },
  451: {
    meaning: {
      zh: "请求的操作异常终止：正在处理本地错误。",
      en: "Requested action aborted: local error in processing.",
    },
    defined: RFC959,
  },
  452: {
    meaning: {
      zh: "未执行请求的操作。系统存储空间不够。",
      en: "Requested action not taken. Insufficient storage space in system.",
    },
    defined: RFC959,
  },
  500: {
    meaning: {
      zh: "语法错误，命令无法识别。这可能包括诸如命令行太长之类的错误。",
      en: "Syntax error, command unrecognized. This may include errors such as command line too long.",
    },
    defined: RFC959,
  },
  501: {
    meaning: { zh: "在参数中有语法错误。", en: "Syntax error in parameters or arguments." },
    defined: RFC959,
  },
  502: {
    meaning: { zh: "未执行命令。", en: "Command not implemented." },
    defined: RFC959,
  },
  503: {
    meaning: { zh: "错误的命令序列。", en: "Bad sequence of commands." },
    defined: RFC959,
  },
  504: {
    meaning: { zh: "未执行该参数的命令。", en: "Command not implemented for that parameter." },
    defined: RFC959,
  },
  510: {
    meaning: { zh: "无法确定服务器时区。", en: "Cannot determine server time zone." },
    defined: { nonStandard: true, seenIn: SERV_U },
  },
  521: {
    meaning: {
      zh: "支持的地址族为 (af1, .., afn)。",
      en: "Supported address families are (af1, .., afn)",
    },
    note: {
      zh: "LPRT 请求的地址族不受支持时的答复。RFC 4217（TLS 上的 FTP）另将 521 用于“无法以当前 PROT 设置打开数据连接”。",
      en: 'The reply to an LPRT with an unsupported address family. RFC 4217 (FTP over TLS) also uses 521 for "data connection cannot be opened with this PROT setting".',
    },
    defined: RFC1639,
  },
  522: {
    meaning: {
      zh: "扩展端口失败：未知的网络协议。文本列出服务器支持的协议：(prot1,prot2,...,protn)。",
      en: "Extended Port Failure - unknown network protocol. The text lists the supported ones: (prot1,prot2,...,protn)",
    },
    note: {
      zh: "括号内是地址族编号（1 为 IPv4，2 为 IPv6），例如 Network protocol not supported, use (1,2)。RFC 4217 另将 522 用于数据连接上的 TLS 协商失败，vsftpd 也这样用（例如要求 TLS 会话复用时）。",
      en: "The parentheses hold address family numbers (1 IPv4, 2 IPv6), e.g. Network protocol not supported, use (1,2). RFC 4217 also uses 522 for a failed TLS negotiation on the data connection, and vsftpd sends it so (e.g. when it requires TLS session reuse).",
    },
    defined: { rfc: 2428, section: "2" },
  },
  530: {
    meaning: { zh: "未登录。", en: "Not logged in." },
    cause: {
      zh: "该状态代码表示用户无法登录，因为用户名和密码组合无效。如果使用某个用户帐户登录，可能键入错误的用户名或密码，也可能选择只允许匿名访问。如果使用匿名帐户登录，IIS 的配置可能拒绝匿名访问。",
      en: "This status code means the user cannot log in because the user name and password combination is not valid. When logging in with a user account, the user name or password may have been mistyped, or the site may allow anonymous access only. When logging in anonymously, IIS may be configured to deny anonymous access.",
    },
    defined: RFC959,
  },
  531: {
    meaning: {
      zh: "SSL/TLS 库拒绝建立安全的命令连接。",
      en: "SSL/TLS library refuses to initiate a secure command connection.",
    },
    defined: { nonStandard: true, seenIn: SERV_U },
  },
  532: {
    meaning: { zh: "存储文件需要帐户。", en: "Need account for storing files." },
    defined: RFC959,
  },
  533: {
    meaning: {
      zh: "由于策略原因，拒绝该命令保护级别。",
      en: "Command protection level denied for policy reasons.",
    },
    defined: RFC2228,
  },
  534: {
    meaning: { zh: "由于策略原因，请求被拒绝。", en: "Request denied for policy reasons." },
    note: {
      zh: "常见于 FTP over TLS：服务器的策略不允许（或要求）TLS，例如 IIS 的 SSL 策略拒绝 AUTH TLS 时。",
      en: "Common with FTP over TLS: the server's policy forbids (or requires) TLS, e.g. IIS refusing AUTH TLS under its SSL policy.",
    },
    defined: RFC2228,
  },
  535: {
    meaning: { zh: "安全检查失败（散列、序列等）。", en: "Failed security check (hash, sequence, etc)." },
    defined: RFC2228,
  },
  536: {
    meaning: {
      zh: "安全机制不支持请求的 PROT 级别。",
      en: "Requested PROT level not supported by mechanism.",
    },
    defined: RFC2228,
  },
  537: {
    meaning: {
      zh: "安全机制不支持该命令保护级别。",
      en: "Command protection level not supported by security mechanism.",
    },
    defined: RFC2228,
  },
  550: {
    meaning: {
      zh: "未执行请求的操作。文件不可用（例如，未找到文件，没有访问权限）。",
      en: "Requested action not taken. File unavailable (e.g., file not found, no access).",
    },
    cause: {
      zh: "命令未被执行，因为指定的文件不可用。例如，要 GET 的文件并不存在，或试图将文件 PUT 到您没有写入权限的目录。",
      en: "The command was not carried out because the specified file is not available. For example, the file to GET does not exist, or a file is being PUT into a directory you have no write permission for.",
    },
    defined: RFC959,
  },
  551: {
    meaning: {
      zh: "请求的操作异常终止：未知的页面类型。",
      en: "Requested action aborted: page type unknown.",
    },
    defined: RFC959,
  },
  552: {
    meaning: {
      zh: "请求的文件操作异常终止：超出存储分配（对于当前目录或数据集）。",
      en: "Requested file action aborted. Exceeded storage allocation (for current directory or dataset).",
    },
    defined: RFC959,
  },
  553: {
    meaning: {
      zh: "未执行请求的操作。不允许的文件名。",
      en: "Requested action not taken. File name not allowed.",
    },
    defined: RFC959,
  },
  554: {
    meaning: {
      zh: "未执行请求的操作：REST 参数无效。",
      en: "Requested action not taken: invalid REST parameter.",
    },
    defined: RFC3659,
  },
  555: {
    meaning: {
      zh: "未执行请求的操作：类型或结构不匹配。",
      en: "Requested action not taken: type or stru mismatch.",
    },
    defined: RFC3659,
  },
  631: {
    meaning: { zh: "完整性受保护的答复。", en: "Integrity protected reply." },
    note: {
      zh: "文本是经 base64 编码的“safe”消息（MIC），解码并验证后才是真正的答复。",
      en: 'The text is a base 64 encoded "safe" message; the real reply is inside, once decoded and verified.',
    },
    defined: RFC2228_PROTECTED,
  },
  632: {
    meaning: { zh: "机密性和完整性受保护的答复。", en: "Confidentiality and integrity protected reply." },
    note: {
      zh: "文本是经 base64 编码的“private”消息（ENC），解码并验证后才是真正的答复。",
      en: 'The text is a base 64 encoded "private" message; the real reply is inside, once decoded and verified.',
    },
    defined: RFC2228_PROTECTED,
  },
  633: {
    meaning: { zh: "机密性受保护的答复。", en: "Confidentiality protected reply." },
    note: {
      zh: "文本是经 base64 编码的“confidential”消息（CONF），解码后才是真正的答复。",
      en: 'The text is a base 64 encoded "confidential" message; the real reply is inside, once decoded.',
    },
    defined: RFC2228_PROTECTED,
  },
} as const satisfies Record<number, CodeTableEntry>;

/** A documented code: a key of `REPLY_CODES`. */
export type KnownReplyCode = keyof typeof REPLY_CODES;

/** The reply classes by first digit. Chinese names and descriptions 1–5 are the seed's headings and paragraphs. */
export const REPLY_CLASSES = {
  1: {
    name: { zh: "肯定的初步答复", en: "Positive Preliminary reply" },
    description: {
      zh: "这些状态代码指示一项操作已经成功开始，但客户端希望在继续操作新命令前得到另一个答复。",
      en: "The requested action is being initiated; expect another reply before proceeding with a new command.",
    },
  },
  2: {
    name: { zh: "肯定的完成答复", en: "Positive Completion reply" },
    description: {
      zh: "一项操作已经成功完成。客户端可以执行新命令。",
      en: "The requested action has been successfully completed. A new request may be initiated.",
    },
  },
  3: {
    name: { zh: "肯定的中间答复", en: "Positive Intermediate reply" },
    description: {
      zh: "该命令已成功，但服务器需要更多来自客户端的信息以完成对请求的处理。",
      en: "The command has been accepted, but the requested action is being held in abeyance, pending receipt of further information.",
    },
  },
  4: {
    name: { zh: "瞬态否定的完成答复", en: "Transient Negative Completion reply" },
    description: {
      zh: "该命令不成功，但错误是暂时的。如果客户端重试命令，可能会执行成功。",
      en: "The command was not accepted and the requested action did not take place, but the error condition is temporary and the action may be requested again.",
    },
  },
  5: {
    name: { zh: "永久性否定的完成答复", en: "Permanent Negative Completion reply" },
    description: {
      zh: "该命令不成功，错误是永久性的。如果客户端重试命令，将再次出现同样的错误。",
      en: "The command was not accepted and the requested action did not take place. The User-process is discouraged from repeating the exact request (in the same sequence).",
    },
  },
  // RFC 2228 §5.2
  6: {
    name: { zh: "受保护的答复", en: "Protected reply" },
    description: {
      zh: "答复经安全机制保护，文本是经 base64 编码的受保护答复，需要解码并验证后才能读取。",
      en: "The reply is protected by the security mechanism: its text is a base 64 encoded protected reply, read once decoded and verified.",
    },
  },
} as const;

/** The function groups by second digit (RFC 959 §4.2.1 defines 0–5). */
export const FUNCTION_GROUPS = {
  0: { zh: "语法", en: "Syntax" },
  1: { zh: "信息", en: "Information" },
  2: { zh: "连接", en: "Connections" },
  3: { zh: "身份验证和帐户", en: "Authentication and accounting" },
  4: { zh: "未指定", en: "Unspecified as yet" },
  5: { zh: "文件系统", en: "File system" },
  6: { zh: "未定义的功能组", en: "Not a defined function group" },
  7: { zh: "未定义的功能组", en: "Not a defined function group" },
  8: { zh: "未定义的功能组", en: "Not a defined function group" },
  9: { zh: "未定义的功能组", en: "Not a defined function group" },
} as const;

const FIRST_CODE = 100;
const LAST_CODE = 699;

/** One entry per code 100–699, built on first use; index = code. */
const entries: (CodeInfo | undefined)[] = new Array(LAST_CODE + 1);

function freezeText(text: LocalizedText): LocalizedText {
  return Object.freeze(text);
}

function buildEntry(code: number): CodeInfo {
  const replyClass = Math.floor(code / 100) as ReplyClass;
  const group = Math.floor(code / 10) % 10;
  const classInfo = REPLY_CLASSES[replyClass];
  const groupName = FUNCTION_GROUPS[group as keyof typeof FUNCTION_GROUPS];
  const row = (REPLY_CODES as Record<number, CodeTableEntry | undefined>)[code];
  const base = {
    code,
    class: replyClass,
    group,
    className: freezeText(classInfo.name),
    classDescription: freezeText(classInfo.description),
    groupName: freezeText(groupName),
  };
  if (row === undefined) {
    return Object.freeze({
      ...base,
      meaning: Object.freeze({
        zh: `未记录的答复代码。按其数字：${classInfo.name.zh}（${replyClass}），功能组“${groupName.zh}”（${group}）。`,
        en: `Not a documented reply code. By its digits: ${classInfo.name.en} (${replyClass}), function group "${groupName.en}" (${group}).`,
      }),
      known: false,
    });
  }
  const defined = row.defined;
  if ("seenIn" in defined) freezeText(defined.seenIn);
  return Object.freeze({
    ...base,
    meaning: freezeText(row.meaning),
    ...(row.cause === undefined ? {} : { cause: freezeText(row.cause) }),
    ...(row.note === undefined ? {} : { note: freezeText(row.note) }),
    defined: Object.freeze(defined),
    known: true,
  });
}

/**
 * What a reply code means: the shared, frozen table entry for `code`.
 *
 * Every call with the same code returns the same object (also for well-formed codes the table does not document,
 * which get an entry derived from their digits with `known: false`), so `reply.info` costs nothing per reply.
 *
 * @param code A reply code: an integer of three digits whose first digit is 1–6 (100–699).
 * @throws RangeError when `code` is not a reply code.
 * @example
 * describeCode(227).meaning.en; // "Entering Passive Mode (h1,h2,h3,h4,p1,p2)."
 * describeCode(227).meaning.zh; // "进入被动模式 (h1,h2,h3,h4,p1,p2)。"
 */
export function describeCode(code: number): CodeInfo {
  // RFC 959 §4.2: three digits; first digit 1–5, and 6 for RFC 2228's protected replies.
  if (!(code >= FIRST_CODE && code <= LAST_CODE) || !Number.isInteger(code)) {
    throw new RangeError(`not an FTP reply code: ${String(code)} (expected three digits, the first 1-6)`);
  }
  let info = entries[code];
  if (info === undefined) {
    info = buildEntry(code);
    entries[code] = info;
  }
  return info;
}

/** Every documented code's entry, in code order (the same shared objects `describeCode` returns). */
export function listCodes(): readonly CodeInfo[] {
  const codes = Object.keys(REPLY_CODES).map(Number);
  codes.sort((a, b) => a - b);
  return codes.map(describeCode);
}

/** Options for `formatCode`. */
export interface FormatCodeOptions {
  /** The language to render in. Default `"en"`. */
  readonly lang?: Lang;
}

const LABELS = {
  en: { class: "class", group: "group", cause: "cause", note: "note", defined: "defined", separator: ": " },
  zh: { class: "类别", group: "功能组", cause: "原因", note: "注", defined: "定义", separator: "：" },
} as const;

/** The defining document of an entry in one language: `RFC 959 §4.2.2`, or the non-standard mark. */
export function formatDefinition(info: CodeInfo, lang: Lang = "en"): string {
  const defined = info.defined;
  if (defined === undefined) {
    return lang === "zh" ? "未记录（按数字推断）" : "not documented (derived from the digits)";
  }
  if ("rfc" in defined) {
    return defined.section === undefined ? `RFC ${defined.rfc}` : `RFC ${defined.rfc} §${defined.section}`;
  }
  return lang === "zh" ? `非标准，见于 ${defined.seenIn.zh}` : `non-standard, seen in ${defined.seenIn.en}`;
}

/**
 * A code's entry as readable text in one language: the code and its meaning on the first line, then class,
 * group, cause, note and defining document, one per line.
 *
 * @param code A reply code, or an entry from `describeCode`.
 * @throws RangeError when `code` is a number that is not a reply code.
 * @example
 * formatCode(530, { lang: "zh" });
 * // 530 未登录。
 * //   类别：5 永久性否定的完成答复
 * //   …
 */
export function formatCode(code: number | CodeInfo, options: FormatCodeOptions = {}): string {
  const info = typeof code === "number" ? describeCode(code) : code;
  const lang = options.lang ?? "en";
  const label = LABELS[lang];
  const field = (name: string, value: string) => `  ${name}${label.separator}${value}`;
  const lines = [
    `${info.code} ${info.meaning[lang]}`,
    field(label.class, `${info.class} ${info.className[lang]}`),
    field(label.group, `${info.group} ${info.groupName[lang]}`),
  ];
  if (info.cause !== undefined) lines.push(field(label.cause, info.cause[lang]));
  if (info.note !== undefined) lines.push(field(label.note, info.note[lang]));
  lines.push(field(label.defined, formatDefinition(info, lang)));
  return lines.join("\n");
}
