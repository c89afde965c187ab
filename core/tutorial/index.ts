export { lintDockerfile } from './lint.js';
export { needsLabsSyntax, parseVersion, LABS_SYNTAX_LINE, LABS_FRONTEND_IMAGE, LABS_SYNTAX_EXPLANATION, type BuilderFacts, type LabsSyntaxDecision } from './syntax.js';
export { scaffoldSample, sampleDockerfile, renderTemplate, tutorialAssetsDir, DEFAULT_SAMPLE_BASE, SAMPLE_DIR_NAME, SAMPLE_DIR_NAMES, SAMPLE_KINDS, SAMPLE_GREETING, type SampleKind, type ScaffoldOptions, type ScaffoldResult } from './sample.js';
export { getTutorialSteps, tutorialSteps, glossary } from './steps.js';
export { initTutorial, decideLabsSyntax, builderFacts } from './init.js';
