/** A runnable README example: its code (an ES module) and what the README says it prints. */
export interface ReadmeExample {
  id: string;
  where: string;
  code: string;
  output: string;
}
export function readmeExamples(packages: { name: string; readme: string }[]): ReadmeExample[];
export function toCommonJs(code: string): string;
