/**
 * The plan's words for what the engine hands over as data: gap reasons (rendered from a flag's fields, in
 * the plan's language, rather than the engine's English sentence), flag codes, settlement kinds, the
 * e-services named in the catalogue and the site method. The English rendering gives the engine's own
 * sentence back (a test compares them), so the Swedish one says the same thing.
 */

/** The fields of a gap flag the reason is made of (GapFlag.details, plus the flag itself). */
/** The plan's language. */
export type ReportLang = 'sv' | 'en';

export interface ReasonFlag {
  code: string;
  serviceType: string;
  eService: string | null;
  details: Record<string, string | number | boolean | null>;
}

/** Swedish names of the catalogue's digital substitutes and their limitations, by service type. */
const SUBSTITUTE_SV: Record<string, { name: string; limitations: string | null }> = {
  GROCERY: {
    name: 'e-handel med dagligvaror, hemleverans eller ombud',
    limitations: 'färskvaror och småinköp i vardagen kräver fortfarande en butik',
  },
  POST: {
    name: 'paketskåp och hemleverans',
    limitations: 'rekommenderade brev och returer kräver fortfarande ett ombud',
  },
  PHARMACY: { name: 'e-handelsapotek med leverans', limitations: null },
  PAYMENT: {
    name: 'digitala banktjänster',
    limitations: 'kontantuttag och dagskasseinsättningar (t.ex. för föreningar och företag) är inte digitala',
  },
  PRIMARY_CARE: {
    name: 'digitalt vårdbesök (e-hälsa)',
    limitations: 'undersökningar, vaccinationer och provtagning kräver ett fysiskt besök',
  },
  LIBRARY: { name: 'e-bibliotek', limitations: null },
  ELDERLY_CARE: {
    name: 'digital tillsyn och hemtjänst på distans',
    limitations: 'personlig omvårdnad och boendeplatser kräver personal på plats',
  },
};

/** The e-service's name in the plan's language (the catalogue's English name for a type not listed). */
export function eServiceName(serviceType: string, english: string | null, lang: ReportLang): string | null {
  if (english === null) return null;
  return lang === 'sv' ? (SUBSTITUTE_SV[serviceType]?.name ?? english) : english;
}

function limitationText(serviceType: string, english: string | null, lang: ReportLang): string | null {
  if (lang === 'en' || english === null) return english;
  return SUBSTITUTE_SV[serviceType]?.limitations ?? english;
}

const FLAG_LABEL_SV: Record<string, string> = {
  E_SERVICE_CAN_CLOSE: 'E-tjänst kan stänga gapet',
  NEW_SERVICE_POINT_NEEDED: 'Nytt serviceställe behövs',
  SINGLE_POINT_OF_FAILURE: 'Enda serviceställe',
  CROSS_BORDER_NEAREST: 'Närmaste i annan kommun',
};
const FLAG_LABEL_EN: Record<string, string> = {
  E_SERVICE_CAN_CLOSE: 'E-service can close the gap',
  NEW_SERVICE_POINT_NEEDED: 'New service point needed',
  SINGLE_POINT_OF_FAILURE: 'Single point of failure',
  CROSS_BORDER_NEAREST: 'Nearest across the border',
};

/** A flag code as words (the code itself stays in the embedded JSON and the CSV). */
export function flagLabel(code: string, lang: ReportLang): string {
  return (lang === 'sv' ? FLAG_LABEL_SV : FLAG_LABEL_EN)[code] ?? code;
}

const KIND_SV: Record<string, string> = { TATORT: 'tätort', SMAORT: 'småort', OTHER: 'övrig ort' };
const KIND_EN: Record<string, string> = { TATORT: 'urban area', SMAORT: 'small locality', OTHER: 'other' };

/** A settlement kind as words. */
export function kindLabel(kind: string, lang: ReportLang): string {
  return (lang === 'sv' ? KIND_SV : KIND_EN)[kind] ?? kind.toLowerCase();
}

/** Minutes as the engine writes them in reasons (formatMinutes: one decimal, no trailing .0). */
function minutes(v: number, lang: ReportLang): string {
  const text = String(Math.round(v * 10) / 10);
  return `${lang === 'sv' ? text.replace('.', ',') : text} min`;
}

/** A share as the engine writes it (percent, one decimal at most). */
function pct(v: number, lang: ReportLang): string {
  const text = String(Math.round(v * 1000) / 10);
  return lang === 'sv' ? `${text.replace('.', ',')} %` : `${text}%`;
}

/**
 * The reason of a gap flag, from its data, in the plan's language.
 * @example gapReason({ code: 'SINGLE_POINT_OF_FAILURE', serviceType: 'PHARMACY', eService: null,
 *   details: { thresholdMinutes: 20, … } }, 'Sunnansjö', 'apotek', 'sv')
 * // 'bara ett apotek inom 20 min: om det stänger blir Sunnansjö en serviceöken'
 */
export function gapReason(flag: ReasonFlag, settlement: string, typeName: string, lang: ReportLang): string {
  const d = flag.details;
  const travel = typeof d.travelMinutes === 'number' ? d.travelMinutes : null;
  const threshold = Number(d.thresholdMinutes);
  const sv = lang === 'sv';
  const where =
    d.pointId === null || travel === null
      ? sv
        ? `ingen ${typeName} finns inläst eller nåbar`
        : `no ${typeName} is loaded or reachable`
      : sv
        ? `${minutes(travel, lang)} till närmaste ${typeName}`
        : `${minutes(travel, lang)} to the nearest ${typeName}`;
  const situation = sv
    ? `${where} (tröskel ${minutes(threshold, lang)})`
    : `${where} (threshold ${minutes(threshold, lang)})`;
  const service = eServiceName(flag.serviceType, flag.eService, lang) ?? '';
  const limitation = limitationText(
    flag.serviceType,
    typeof d.limitation === 'string' ? d.limitation : null,
    lang,
  );
  const share = typeof d.broadbandShare === 'number' ? d.broadbandShare : null;
  const min = Number(d.minBroadbandShare);

  switch (flag.code) {
    case 'SINGLE_POINT_OF_FAILURE':
      return sv
        ? `bara ett ställe (${typeName}) inom ${minutes(threshold, lang)}: om det stänger blir ${settlement} en serviceöken`
        : `only one ${typeName} within ${minutes(threshold, lang)}: if it closes, ${settlement} becomes a service desert`;
    case 'CROSS_BORDER_NEAREST':
      return sv
        ? `närmaste ${typeName} ligger i kommun ${d.pointMunicipality}, inte i ${settlement}s kommun ${d.settlementMunicipality}: ett fall för samverkan`
        : `the nearest ${typeName} lies in municipality ${d.pointMunicipality}, not in ${settlement}'s municipality ${d.settlementMunicipality}: a case for cooperation`;
    case 'E_SERVICE_CAN_CLOSE': {
      if (d.connectivityKnown === false) {
        // Unknown is not zero (issue 24): a candidate, worded as "could", with the share it would need.
        const could =
          d.adequacy === 'PARTIAL'
            ? sv
              ? `${service} skulle delvis kunna stänga gapet (inte: ${limitation ?? 'ospecificerade behov'})`
              : `${service} could partially close the gap (not: ${limitation ?? 'unspecified needs'})`
            : sv
              ? `${service} skulle kunna stänga gapet`
              : `${service} could close the gap`;
        return sv
          ? `${situation}; uppkopplingen är okänd: ${could} där ≥ ${pct(min, lang)} av hushållen har snabbt bredband (läs in uppkopplingsdata för att bekräfta)`
          : `${situation}; connectivity unknown: ${could} where ≥ ${pct(min, lang)} of households have fast broadband (import connectivity data to confirm)`;
      }
      const coverage = sv
        ? `${pct(share ?? 0, lang)} av hushållen har snabbt bredband (≥ ${pct(min, lang)})`
        : `${pct(share ?? 0, lang)} of households have fast broadband (≥ ${pct(min, lang)})`;
      const how =
        d.adequacy === 'PARTIAL'
          ? sv
            ? `${service} kan delvis stänga gapet (inte: ${limitation ?? 'ospecificerade behov'})`
            : `${service} can partially close the gap (not: ${limitation ?? 'unspecified needs'})`
          : sv
            ? `${service} kan stänga gapet`
            : `${service} can close the gap`;
      return `${situation}; ${coverage}: ${how}`;
    }
    case 'NEW_SERVICE_POINT_NEEDED': {
      if (flag.eService === null || d.adequacy === null || d.adequacy === 'NONE')
        return sv
          ? `${situation}; det finns ingen fullgod digital ersättning`
          : `${situation}; there is no adequate digital substitute`;
      const why: string[] = [];
      if (d.connectivity === 'UNKNOWN')
        why.push(
          sv
            ? `uppkopplingen är okänd: går inte att avgöra om ${service} kan stänga gapet`
            : `connectivity unknown: cannot tell whether ${service} could close the gap`,
        );
      else if (d.connectivity === 'POOR' && share !== null)
        why.push(
          sv
            ? `svag uppkoppling: ${pct(share, lang)} av hushållen har snabbt bredband (< ${pct(min, lang)}), för få för ${service}`
            : `poor connectivity: ${pct(share, lang)} of households have fast broadband (< ${pct(min, lang)}), too few for ${service}`,
        );
      if (d.essentialLimitation === true)
        why.push(
          sv
            ? `${service} täcker inte ${limitation ?? 'ett grundläggande behov'}`
            : `${service} does not cover ${limitation ?? 'an essential need'}`,
        );
      return `${situation}; ${why.join('; ')}`;
    }
    default:
      return sv ? flagLabel(flag.code, lang) : flag.code;
  }
}

/** The site-suggestion method (the engine's English words) in the plan's language. */
export function siteMethod(method: string, lang: ReportLang): string {
  if (lang === 'en') return method;
  const greedy = /^greedy \(lazy, (\d+) evaluations\), within 1-1\/e of optimum(?:; stopped at (\d+))?/.exec(
    method,
  );
  if (greedy)
    return `girig sökning (${greedy[1]} beräkningar), inom 1−1/e av optimum${
      greedy[2] ? `; stannade vid ${greedy[2]}: ingen annan plats ökar täckningen` : ''
    }`;
  const exact = /^exact \(enumeration of (\d+) combinations\)(?:; only (\d+))?/.exec(method);
  if (exact)
    return `exakt (alla ${exact[1]} kombinationer prövade)${
      exact[2] ? `; bara ${exact[2]} plats(er) ökar täckningen` : ''
    }`;
  return method;
}

const LICENCE_SV: Record<string, string> = {
  'Generated demo data, not observed (no licence needed)':
    'Genererade demodata, inte observerade (ingen licens behövs)',
  'GeoNames, CC BY 4.0': 'GeoNames, CC BY 4.0',
  '© OpenStreetMap contributors, ODbL 1.0': '© OpenStreetMaps bidragsgivare, ODbL 1.0',
  'SCB (Statistics Sweden), CC0': 'SCB (Statistiska centralbyrån), CC0',
  'See the source’s own terms': 'Se källans egna villkor',
};

/** A source's licence note (report.service licenceOf, English) in the plan's language. */
export function licenceLabel(english: string, lang: ReportLang): string {
  return lang === 'sv' ? (LICENCE_SV[english] ?? english) : english;
}

/** A service type's name in the plan's language (the catalogue's names; the code for a type not listed). */
export function serviceTypeName(
  catalogue: readonly { code: string; nameSv: string; nameEn: string }[],
  code: string,
  lang: ReportLang,
): string {
  const type = catalogue.find((c) => c.code === code);
  return type ? (lang === 'sv' ? type.nameSv : type.nameEn) : code;
}

/** The travel model in the plan's language. */
export function travelLabel(method: 'NETWORK' | 'ESTIMATED', lang: ReportLang): string {
  if (lang === 'en')
    return method === 'NETWORK'
      ? 'NETWORK (road network; places it cannot reach estimated)'
      : 'ESTIMATED (straight line × circuity)';
  return method === 'NETWORK'
    ? 'vägnät (platser som vägnätet inte når uppskattas)'
    : 'uppskattade (fågelvägen × omvägsfaktor)';
}
