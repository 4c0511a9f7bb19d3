/**
 * Top-level domains trusted when scanning free text. Free text is full of dotted words that are
 * not domains (`rule.name`, `event.category`, `svchost.exe`), so text scanning accepts only these
 * TLDs: the country codes plus the generic TLDs that show up in real traffic and threat feeds.
 * Typed fields (a vendor's `domain` field) accept any well-formed alphabetic TLD instead.
 */
const CC =
  'ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ' +
  'ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ' +
  'ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ' +
  'ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz ' +
  'na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw ' +
  'sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ' +
  'ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw';

const GENERIC =
  'com net org info biz edu gov mil int arpa ' +
  'app dev xyz top online site club shop store tech live cloud page pro link click work today world life ' +
  'icu buzz vip fun space website host press news email digital network services support solutions security ' +
  'group agency company center global media one best rest bar cyou sbs cfd lol quest monster win bid loan ' +
  'download stream review trade racing party date faith men science accountant cricket gdn ltd inc llc ' +
  'microsoft google amazon apple azure windows office live aws';

/** Country-code TLDs that are also common file extensions; dropped from free-text matches. */
const FILE_LIKE_CC = 'py sh md rs ps so pl pm ml mk am js cs ts rb go sc';

export const KNOWN_TLDS: ReadonlySet<string> = new Set(`${CC} ${GENERIC}`.split(/\s+/));
export const FILE_LIKE_TLDS: ReadonlySet<string> = new Set(FILE_LIKE_CC.split(/\s+/));

/** File extensions that must never be read as a TLD, even in typed fields. */
export const FILE_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    'exe dll sys bat cmd ps1 psm1 vbs vbe jse wsf hta scr msi lnk jar class txt log csv tsv ini cfg conf ' +
    'json yaml yml xml doc docx xls xlsx xlsm ppt pptx pdf rtf png jpg jpeg gif bmp ico tmp dat bin iso img ' +
    'rar 7z gz tgz bz2 tar cab dmp pyc elf so dylib plist sh py'
  ).split(/\s+/),
);
