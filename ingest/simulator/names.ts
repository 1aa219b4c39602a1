import type { Sex } from '../../schemas/index.ts';
import type { Rng } from './random.ts';

/**
 * Display aliases for simulated athletes: a first name and a last initial ("Mia K."), as gym
 * screens show them. zh-CN athletes get pinyin given names with common surname initials
 * (Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou…).
 */
// prettier-ignore
const names: Record<'en' | 'zh-CN', Record<Sex, readonly string[]>> = {
  en: {
    f: [
      'Mia', 'Emma', 'Olivia', 'Ava', 'Sophia', 'Isabella', 'Chloe', 'Grace', 'Zoe', 'Lily',
      'Hannah', 'Nora', 'Ella', 'Aria', 'Maya', 'Leah', 'Ruby', 'Ivy', 'Sara', 'Lucy',
      'Priya', 'Amara', 'Sofia', 'Elena', 'Fatima', 'Jade', 'Nina', 'Tess', 'Kate', 'Anna',
    ],
    m: [
      'Liam', 'Noah', 'Oliver', 'Elijah', 'James', 'Lucas', 'Mason', 'Ethan', 'Leo', 'Owen',
      'Jack', 'Ryan', 'Adam', 'Ben', 'Sam', 'Max', 'Theo', 'Omar', 'Raj', 'Diego',
      'Mateo', 'Kai', 'Finn', 'Hugo', 'Luca', 'Tom', 'Dan', 'Ivan', 'Nico', 'Alex',
    ],
  },
  'zh-CN': {
    f: ['Mei', 'Xiu', 'Yan', 'Lan', 'Hui', 'Jing', 'Ling', 'Na', 'Ying', 'Xue', 'Qian', 'Fang'],
    m: ['Wei', 'Jun', 'Hao', 'Lei', 'Tao', 'Ming', 'Bo', 'Peng', 'Yong', 'Jie', 'Qiang', 'Chen'],
  },
};

const initials: Record<'en' | 'zh-CN', string> = {
  en: 'ABCDEFGHIJKLMNOPRSTVWY',
  'zh-CN': 'WLZCYHGXSMJ',
};

/** A deterministic alias not yet in `taken` (the floor's aliases so far); it is added to `taken`. */
export function pickAlias(rng: Rng, locale: 'en' | 'zh-CN', sex: Sex, taken: Set<string>): string {
  const first = names[locale][sex];
  const last = initials[locale];
  for (let attempt = 0; attempt < 50; attempt++) {
    const alias = `${rng.pick(first)} ${last[rng.int(0, last.length - 1)]}.`;
    if (!taken.has(alias)) {
      taken.add(alias);
      return alias;
    }
  }
  // a crowded floor: number the alias rather than repeat one
  const base = `${rng.pick(first)} ${last[rng.int(0, last.length - 1)]}.`;
  for (let n = 2; ; n++) {
    const alias = `${base} ${n}`;
    if (!taken.has(alias)) {
      taken.add(alias);
      return alias;
    }
  }
}
