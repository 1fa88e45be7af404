export type { BuildEdcTaskOptions, CourseInputs, ElmTask, ElmTaskResults } from './elm-tasks.ts'
export { runElmTask } from './elm-tasks.ts'
export type {
  BuildEdcOffThreadOptions,
  ElmTaskOptions,
  ElmWorkers,
  ElmWorkersOptions,
  ElmWorkersStats,
  RenderPagesOptions,
} from './elm-worker-pool.ts'
export { createElmWorkers, ElmWorkerError } from './elm-worker-pool.ts'
