# mtcars-scatter: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    4.37, 4.26, 1.54, 4.37, 1.6, 2.34, 1.75, 4.42, 1.54, 5.22,
    1.56, 5.26, 2.84, 4.88, 6.79, 7.06, 3.84, 4.25, -0.17, 3.64,
    0.471, 1.64, 2.61, 3.01, 4.68, 0.697, 3.17, 0.423, 1.44, 4.47,
    2.15, 1.26,
]
mpg = [
    32.3, 32.2, 13.9, 28.3, 27.2, 6.65, 20.3, 33.2, 32.4, 31.5,
    22.6, 22.1, 23.4, 23.1, -1.83, 0.851, 6.25, 23.6, 21.7, 40.7,
    13, 4.51, 27.5, 6.5, 25.9, 16.5, 14.6, 42.6, 22.8, 28.9,
    24.5, 11.4,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
