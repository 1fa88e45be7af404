export {
  formatPath,
  isPreparedBuildInputs,
  type PreparedBuildInputs,
  parseAward,
  parseBuildInputs,
  parseOrganisations,
  parseSpecification,
  prepareBuildInputs,
} from './parse-input.ts'
export type { AwardInput, LearnerInput } from './z-award.ts'
export { zAward, zLearner } from './z-award.ts'
export type { LanguageMap } from './z-common.ts'
export { checkPlainText, MAX_SHORT_TEXT_LENGTH, MAX_TEXT_LENGTH, zPlainText } from './z-common.ts'
export type {
  AccreditationInput,
  AllianceInput,
  IssuerInput,
  OrganisationInput,
  OrganisationsInput,
} from './z-organisations.ts'
export { zAccreditation, zAlliance, zIssuer, zOrganisation, zOrganisations } from './z-organisations.ts'
export type { MicroCredentialSpecificationInput } from './z-specification.ts'
export { zMicroCredentialSpecification } from './z-specification.ts'
