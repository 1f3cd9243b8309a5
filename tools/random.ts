/**
 * Seeded randomness for the simulation tools (the public face of `random-*.ts`): the
 * {@link RandomSource} interface, generators and standard normal draws.
 */
export { randomFromGenerator, splitMix64, type RandomSource } from "./random-source.js";
export { fillStandardNormal, standardNormal, zigguratEdge } from "./random-ziggurat.js";
export {
  createRandom,
  xoshiro128StarStar,
  type Xoshiro128StarStarSource,
} from "./random-xoshiro.js";
