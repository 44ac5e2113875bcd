# WorldPhones 1961: telephones by region (R base barplot style), 800x600
import matplotlib.pyplot as plt

regions = ['N.Amer', 'Europe', 'Asia', 'S.Amer', 'Oceania', 'Africa', 'Mid.Amer']
phones = [79831, 43173, 9053, 3338, 3224, 2005, 1076]

fig = plt.figure(figsize=(8, 6), dpi=100)
ax = fig.add_axes([0.1025, 0.1492, 0.8441, 0.7424])
centers = [0.7 + 1.2 * i for i in range(len(regions))]
ax.bar(centers, phones, width=1.0, color='steelblue', edgecolor='black', linewidth=0.75)
ax.set_xlim(-0.128, 8.728)
ax.set_ylim(-3193, 83024)
for side in ['top', 'right', 'bottom']:
    ax.spines[side].set_visible(False)
ax.spines['left'].set_bounds(0, 60000)
ax.spines['left'].set_color('#555555')
ax.set_yticks([0, 20000, 40000, 60000])
ax.tick_params(axis='y', length=5, width=1.0, color='#555555', labelsize=13, pad=8.5)
ax.set_xticks(centers)
ax.set_xticklabels(regions)
ax.tick_params(axis='x', length=0, labelsize=11.5, pad=7.5)
ax.set_title('Telephones by region, 1961 (thousands)', fontsize=14.5, fontweight='bold', pad=13)
