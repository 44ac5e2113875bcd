# mtcars-scatter: candidate 'off35' (seed 2) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    3.89, 4.63, 3.29, 1.67, 5.02, 2.28, 4.4, 1.36, 1.48, 1.72,
    1.71, 2.61, 5.16, 2.39, 6.01, 7.09, 4.19, 3.03, -0.284, 0.475,
    1.28, 4.6, 2.47, 2.22, 4.97, 0.835, 3.6, 3.19, 1.51, 4.01,
    1.87, 1.7,
]
mpg = [
    16.2, 14.1, 31.5, 26.5, 29.8, 30.1, 24.2, 32.3, 18.4, 7.17,
    11.2, 28.7, 22.2, 11, -0.95, 5.47, 20.6, 28.1, 25.3, 22.3,
    9.25, 24.5, 4.59, 18.6, 7.89, 37.6, 14.3, 42, 8.47, 26.7,
    3.98, 27.5,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
