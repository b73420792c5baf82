export type { FormulaKind, ParameterShape } from './formula.js';
export { fnv1a32, formulaKind, formulaStateDict, formulaTensor, parseShapes } from './formula.js';
