# mtcars-scatter: candidate 'off8' (seed 1) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    2.24, 2.71, 2.64, 2.79, 3.18, 3.73, 3.15, 2.84, 3.51, 3.21,
    3.61, 4.25, 3.96, 3.47, 4.82, 5.79, 5.64, 1.91, 1.25, 2.17,
    2.22, 3.08, 3.09, 4.1, 4.25, 1.53, 2.3, 1.8, 2.89, 2.99,
    4.03, 2.94,
]
mpg = [
    19.8, 18.4, 24.5, 22.5, 16.8, 16.1, 11.8, 23.2, 20.6, 16.4,
    19.9, 18.1, 15.2, 13.4, 12.7, 7.64, 12.5, 34.2, 31.4, 36.4,
    18.7, 17.3, 13.8, 11.8, 21.8, 26, 28.1, 29, 17.5, 18,
    16.9, 19,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
