/** Fixed wording of the certificate page, per language; other languages fall back to English. */
export interface CertificateLabels {
  heading: string
  certifies: string
  completed: string
  level: string
  credits: string
  workload: string
  hours: string
  awardedOn: string
  awardedBy: string
  grade: string
  outcomes: string
  more: (count: number) => string
  issuedBy: string
  credentialId: string
}

const en: CertificateLabels = {
  heading: 'Micro-credential',
  certifies: 'This certifies that',
  completed: 'has successfully completed',
  level: 'EQF level',
  credits: 'ECTS credits',
  workload: 'Workload',
  hours: 'hours',
  awardedOn: 'Awarded on',
  awardedBy: 'Awarded by',
  grade: 'Grade',
  outcomes: 'Learning outcomes',
  more: (count) => `and ${count} more`,
  issuedBy: 'Sealed by',
  credentialId: 'Credential',
}

const de: CertificateLabels = {
  heading: 'Micro-Credential',
  certifies: 'Hiermit wird bestätigt, dass',
  completed: 'erfolgreich abgeschlossen hat',
  level: 'EQR-Niveau',
  credits: 'ECTS-Punkte',
  workload: 'Arbeitsaufwand',
  hours: 'Stunden',
  awardedOn: 'Verliehen am',
  awardedBy: 'Verliehen von',
  grade: 'Note',
  outcomes: 'Lernergebnisse',
  more: (count) => `und ${count} weitere`,
  issuedBy: 'Gesiegelt von',
  credentialId: 'Nachweis',
}

const labels: Record<string, CertificateLabels> = { en, de }

export function certificateLabels(language: string): CertificateLabels {
  return labels[language.split('-')[0]!] ?? en
}
