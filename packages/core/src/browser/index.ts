/** Browser-only parts of @canopy/core: the requestAnimationFrame runner. */
export { runAnimationFrames, type AnimationFrameRunner } from "./animationFrameRunner";
