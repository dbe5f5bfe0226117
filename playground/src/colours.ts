/** Region fill (pale) and point colour (strong) per class, as `pnpm train`'s decision-boundary SVG. */
export const CLASS_FILL: readonly (readonly [number, number, number])[] = [
  [244, 199, 195],
  [198, 218, 252],
  [201, 231, 200],
];
export const CLASS_POINT: readonly string[] = ['#d93025', '#1a73e8', '#188038'];

/** The decision-boundary picture spans [-EXTENT, EXTENT]²: the spiral lies within the unit disc, and the margin shows how the regions continue. */
export const EXTENT = 1.2;
